//! Seeded randomness: one ChaCha stream per purpose, all derived from the scenario seed,
//! so that turning one knob never reshuffles the draws of another.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// What a random stream is used for. Each purpose (and direction) gets its own stream.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Loss,
    Duplication,
    Reordering,
    Jitter,
    /// The random seed handed to a host's smoltcp interface (ISNs).
    HostStack,
    /// Ephemeral ports and timestamp offsets.
    HostMisc,
}

/// A generator for `purpose` on `lane` (a link direction or a host index).
pub fn stream(seed: u64, purpose: Purpose, lane: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((purpose as u64) << 8) | lane as u64);
    rng
}

/// A uniform draw from [0, 1).
pub fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform draw from 0..=max.
pub fn up_to(rng: &mut ChaCha8Rng, max: u64) -> u64 {
    if max == 0 {
        // Still draw, so the stream advances once per frame whatever the knob.
        rng.next_u64();
        0
    } else {
        rng.next_u64() % (max + 1)
    }
}

pub fn next_u64(rng: &mut ChaCha8Rng) -> u64 {
    rng.next_u64()
}
