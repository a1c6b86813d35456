//! An account of each byte stream a program sends or receives, and the
//! generated payload of `send_bytes` steps.

/// An account of a byte stream: its length, an order-sensitive digest and,
/// when asked for, the bytes themselves.
///
/// The digest exists to compare streams (what one side sent against what the
/// other received), so only equality matters and its value is never shown.
/// It takes words, not bytes: four independent 64-bit lanes each fold one
/// word of every 32-byte block of the stream (xor, multiply, rotate), so the
/// multiplies of one block overlap instead of forming one chain per byte as
/// FNV-1a does (about 0.2 instead of 4 cycles per byte; at 100 MiB a side that
/// is the difference between a few milliseconds and 400 ms). Blocks are cut at
/// fixed offsets of the stream, not of the calls, so the digest does not depend
/// on how the stream was split into send() or recv() calls.
#[derive(Debug, Clone)]
pub struct ByteLog {
    /// Bytes in the stream.
    pub count: u64,
    /// The bytes, when kept.
    pub kept: Option<Vec<u8>>,
    /// None when digests are off (runs that never compare streams).
    lanes: Option<[u64; 4]>,
    /// The stream's bytes after its last whole block.
    tail: [u8; ByteLog::BLOCK],
}

impl ByteLog {
    const BLOCK: usize = 32;
    const PRIME: u64 = 0x9e37_79b9_7f4a_7c15;
    const SEEDS: [u64; 4] = [
        0xcbf2_9ce4_8422_2325,
        0x8422_2325_cbf2_9ce4,
        0x0000_0100_0000_01b3,
        0x1b87_3593_9e37_79b9,
    ];

    /// `keep`: hold on to the bytes (tests want them; bulk runs do not).
    pub fn new(keep: bool) -> ByteLog {
        ByteLog::with_digest(keep, true)
    }

    /// `digest`: compute the stream digest (off: only count, and keep if asked).
    pub fn with_digest(keep: bool, digest: bool) -> ByteLog {
        ByteLog {
            count: 0,
            kept: keep.then(Vec::new),
            lanes: digest.then_some(Self::SEEDS),
            tail: [0; Self::BLOCK],
        }
    }

    fn fold(lanes: &mut [u64; 4], block: &[u8]) {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes(word.try_into().expect("8-byte word"));
            *lane = (*lane ^ w).wrapping_mul(Self::PRIME).rotate_left(29);
        }
    }

    /// Account for more bytes of the stream.
    pub fn add(&mut self, data: &[u8]) {
        if let Some(lanes) = &mut self.lanes {
            let mut rest = data;
            let filled = (self.count % Self::BLOCK as u64) as usize;
            if filled > 0 {
                let k = rest.len().min(Self::BLOCK - filled);
                self.tail[filled..filled + k].copy_from_slice(&rest[..k]);
                rest = &rest[k..];
                if filled + k == Self::BLOCK {
                    Self::fold(lanes, &self.tail);
                }
            }
            let blocks = rest.chunks_exact(Self::BLOCK);
            let left = blocks.remainder();
            for block in blocks {
                Self::fold(lanes, block);
            }
            if !left.is_empty() {
                self.tail[..left.len()].copy_from_slice(left);
            }
        }
        self.count += data.len() as u64;
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(data);
        }
    }

    /// The digest of the stream so far; 0 when digests are off.
    pub fn digest(&self) -> u64 {
        let Some(lanes) = self.lanes else {
            return 0;
        };
        let mut h = self.count.wrapping_mul(Self::PRIME);
        for lane in lanes {
            h = (h ^ lane).wrapping_mul(Self::PRIME).rotate_left(31);
        }
        let tail = (self.count % Self::BLOCK as u64) as usize;
        for &b in &self.tail[..tail] {
            h = (h ^ u64::from(b)).wrapping_mul(Self::PRIME);
        }
        // Final avalanche, so every input bit reaches every output bit.
        h ^= h >> 32;
        h = h.wrapping_mul(Self::PRIME);
        h ^ (h >> 29)
    }

    /// The digest of a whole byte string, for comparing with a log.
    pub fn digest_of(data: &[u8]) -> u64 {
        let mut log = ByteLog::new(false);
        log.add(data);
        log.digest()
    }
}

/// Two logs are equal when they account for the same stream the same way
/// (the block buffer's unused bytes do not count).
impl PartialEq for ByteLog {
    fn eq(&self, other: &ByteLog) -> bool {
        self.count == other.count
            && self.kept == other.kept
            && self.lanes.is_some() == other.lanes.is_some()
            && self.digest() == other.digest()
    }
}

impl Eq for ByteLog {}

/// The byte at `offset` of a generated payload (`send_bytes`): a repeating
/// alphabet, so a reader can check order and integrity.
pub fn generated_byte(offset: u64) -> u8 {
    b'a' + (offset % 26) as u8
}

/// Largest piece of generated payload handed to send() at once.
pub(crate) const PATTERN_CHUNK: usize = 65536;

/// The generated payload, long enough to slice any chunk from any phase.
pub(crate) static PATTERN: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    (0..(PATTERN_CHUNK + 26) as u64)
        .map(generated_byte)
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(len: usize) -> Vec<u8> {
        (0..len as u64).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn digest_does_not_depend_on_how_the_stream_is_split() {
        let data = stream(1000);
        let whole = ByteLog::digest_of(&data);
        for piece in [1, 3, 7, 31, 32, 33, 64, 100, 999] {
            let mut log = ByteLog::new(false);
            for chunk in data.chunks(piece) {
                log.add(chunk);
            }
            assert_eq!(log.digest(), whole, "pieces of {piece}");
            assert_eq!(log.count, 1000);
        }
    }

    #[test]
    fn digest_sees_order_length_and_every_byte() {
        let data = stream(96);
        let whole = ByteLog::digest_of(&data);
        // Two whole blocks swapped.
        let mut swapped = data.clone();
        swapped[..32].copy_from_slice(&data[32..64]);
        swapped[32..64].copy_from_slice(&data[..32]);
        assert_ne!(ByteLog::digest_of(&swapped), whole);
        // Two words of one block swapped.
        let mut words = data.clone();
        words[..8].copy_from_slice(&data[8..16]);
        words[8..16].copy_from_slice(&data[..8]);
        assert_ne!(ByteLog::digest_of(&words), whole);
        // One bit flipped anywhere, in a block or in the tail.
        let odd = stream(100);
        for i in [0, 31, 32, 95, 96, 99] {
            let mut flipped = odd.clone();
            flipped[i] ^= 1;
            assert_ne!(
                ByteLog::digest_of(&flipped),
                ByteLog::digest_of(&odd),
                "byte {i}"
            );
        }
        // A trailing zero byte is not nothing.
        assert_ne!(ByteLog::digest_of(&[0]), ByteLog::digest_of(&[]));
        assert_ne!(ByteLog::digest_of(&[0; 32]), ByteLog::digest_of(&[0; 31]));
    }

    #[test]
    fn digests_off_still_count_and_keep() {
        let mut log = ByteLog::with_digest(true, false);
        log.add(b"hello");
        assert_eq!((log.count, log.digest()), (5, 0));
        assert_eq!(log.kept.as_deref(), Some(&b"hello"[..]));
    }
}
