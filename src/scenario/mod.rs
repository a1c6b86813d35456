//! Scenario files: a TOML document in, a validated [`Scenario`] out.
//!
//! The document is parsed with `toml`'s span-preserving parser ([`DeTable`]),
//! then walked by hand. Walking the tree ourselves (rather than deriving serde
//! structs) lets every error name the dotted field it is about and point at the
//! exact bytes of the offending value, in the style of rustc:
//!
//! ```text
//! error: `link.loss` must be a probability between 0 and 1, got 1.5
//!   --> sim-scenarios/v2.toml:7:8
//!    |
//!  7 | loss = 1.5
//!    |        ^^^
//! ```
//!
//! The unit parsers ([`parse_duration`], [`parse_rate`], [`parse_size`]) are
//! public so that command-line overrides accept the same spellings as files.
//!
//! In: a TOML file, and `--set PATH=VALUE` overrides. Out: a validated
//! [`model::Scenario`], or a [`ScenarioError`] naming file, line, column and
//! field.
//!
//! - this file: [`load`] and [`parse`];
//! - `model.rs`: the validated scenario, every value in its unit;
//! - `document.rs`: the top level;
//! - `combined.rs`: the checks that span values (one network, socket step
//!   order, products of counts), for files and overrides alike;
//! - `link.rs`, `hosts.rs`, `steps.rs`: one section of the file each;
//! - `socket_order.rs`: a client's socket steps in an order that means something;
//! - `cx.rs`: typed values read from the TOML tree, with spans for errors;
//! - `units.rs`: durations, rates and sizes as files spell them;
//! - `address.rs`: which IPv4 addresses a host can have;
//! - `limits.rs`: bounds, defaults, and the keys each table accepts;
//! - `error.rs`: the error and its did-you-mean;
//! - `overrides/`: `--set` paths applied to a scenario, and settings shown
//!   back in the same form.

use std::io::Read;
use std::path::Path;

use toml::de::DeTable;

mod address;
mod combined;
mod cx;
mod document;
mod error;
mod hosts;
mod limits;
mod link;
pub mod model;
pub mod overrides;
mod socket_order;
mod steps;
mod units;

pub use combined::{Combined, check_combined};
use cx::Cx;
pub use error::{QUOTE_CHARS, ScenarioError, clip};
pub use limits::MAX_SEED;
pub(crate) use limits::*;
pub use units::{parse_duration, parse_rate, parse_size};

use crate::scenario::model::Scenario;

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Read and validate the scenario file at `path`; its name is the file stem.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let cannot = |e: std::io::Error| {
        ScenarioError::without_position(&file, "", format!("cannot read the scenario file: {e}"))
    };
    // At most one byte past the limit is read, so `/dev/zero` or a huge
    // file is refused without taking memory.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::without_position(
            &file,
            "",
            format!(
                "the scenario file is larger than {} MiB, the limit; is this the right file?",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[at];
            // Everything before `at` is valid, so its line and column are
            // exact; the bad byte shows as U+FFFD in the quoted line.
            let bytes = e.as_bytes();
            let visible = |s: &str| s.replace('\0', "\u{fffd}");
            let before = visible(&String::from_utf8_lossy(&bytes[..at]));
            let start = before.len();
            let shown = before + &visible(&String::from_utf8_lossy(&bytes[at..]));
            return Err(ScenarioError::at(
                &file,
                &shown,
                start..start + '\u{fffd}'.len_utf8(),
                "",
                format!(
                    "not a UTF-8 text file (byte 0x{byte:02x} at offset {at} is not valid UTF-8)"
                ),
            )
            .with_help("scenario files are TOML text; is this the right file?"));
        }
    };
    if let Some(at) = text.find('\0') {
        // NULs show as U+FFFD, which is longer: the offset moves with them.
        let start = text[..at].replace('\0', "\u{fffd}").len();
        let shown = text.replace('\0', "\u{fffd}");
        return Err(ScenarioError::at(
            &file,
            &shown,
            start..start + '\u{fffd}'.len_utf8(),
            "",
            format!("not a UTF-8 text file (it contains a NUL byte at offset {at})"),
        )
        .with_help("scenario files are TOML text; is this the right file?"));
    }
    parse(&text, &file)
}

/// Validate scenario `text`; `file_name` is used in errors and its stem
/// becomes the scenario's name.
pub fn parse(text: &str, file_name: &str) -> Result<Scenario, ScenarioError> {
    // A byte-order mark is not part of the document (and would shift columns).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cx = Cx {
        text,
        file: file_name,
    };
    let root = DeTable::parse(text).map_err(|e| cx.syntax_error(&e))?;
    let name = Path::new(file_name).file_stem().map_or_else(
        || file_name.to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    cx.scenario(name, root.span(), root.get_ref())
}
