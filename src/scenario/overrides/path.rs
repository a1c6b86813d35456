//! Dotted paths into a scenario: their segments, the keys each table has,
//! and the errors for a path that names nothing.

/// One path segment: a key, with an array index when written `steps[2]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seg<'a> {
    pub(super) key: &'a str,
    pub(super) index: Option<usize>,
}

pub(super) const TOP_KEYS: &[&str] = &["seed", "capture", "max_sim_time", "max_events"];
pub(super) const TABLES: &[&str] = &["link", "fault", "client", "server"];
pub(super) const LINK_KEYS: &[&str] = &[
    "latency",
    "jitter",
    "loss",
    "dup",
    "reorder",
    "reorder_delay",
    "rate",
    "queue",
];
pub(super) const HOST_KEYS: &[&str] = &[
    "ip",
    "mac",
    "profile",
    "rx_buffer",
    "tx_buffer",
    "rx_coalesce",
    "delayed_ack",
    "arp",
    "congestion",
    "wakeup",
    "call_cost",
    "port",
];
pub(super) const SERVER_ONLY_KEYS: &[&str] = &["backlog"];
pub(super) const FAULT_KEYS: &[&str] = &[
    "dir", "flags", "seq", "len", "nth", "action", "delay", "from", "until",
];
pub(super) const ECHO_KEYS: &[&str] = &["recv", "sleep", "transform", "times", "connections"];
pub(super) const SINK_KEYS: &[&str] = &["recv", "sleep", "connections"];
pub(super) const SOURCE_KEYS: &[&str] = &["bytes", "recv", "connections"];
pub(super) const PROGRAM_KEYS: &[&str] = &[
    "recv",
    "sleep",
    "transform",
    "times",
    "connections",
    "bytes",
];

/// Why a path or its value was refused.
pub(super) enum Walk {
    /// The path is fine, the value is not.
    Bad(String),
    /// The path names nothing; `help` suggests what it might have meant.
    Unknown {
        reason: String,
        help: Option<String>,
    },
}

impl From<String> for Walk {
    fn from(reason: String) -> Walk {
        Walk::Bad(reason)
    }
}

pub(super) type Res = Result<(), Walk>;

pub(super) fn unknown(prefix: &str, key: &str, allowed: &[&str]) -> Walk {
    let place = if prefix.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{prefix}`")
    };
    let help = match closest(key, allowed) {
        Some(guess) => format!("did you mean `{guess}`?"),
        None => format!("expected one of: {}", allowed.join(", ")),
    };
    Walk::Unknown {
        reason: format!(
            "unknown field `{}` {place}",
            crate::scenario::error::clip(key)
        ),
        help: Some(help),
    }
}

/// A path that goes on past a value, or stops at a table.
pub(super) fn shape(path: &str, what: &str) -> Walk {
    Walk::Unknown {
        reason: format!("`{path}` is {what}"),
        help: None,
    }
}

/// The single plain key that ends a path here.
pub(super) fn leaf<'a>(prefix: &str, rest: &[Seg<'a>]) -> Result<&'a str, Walk> {
    match rest {
        [Seg { key, index: None }] => Ok(key),
        [] => Err(shape(prefix, "a table; name a key inside it")),
        [
            Seg {
                key,
                index: Some(_),
            },
        ] => Err(shape(
            &format!("{prefix}.{key}"),
            "not an array; remove the [index]",
        )),
        [first, ..] => Err(shape(
            &format!("{prefix}.{}", first.key),
            "a value, not a table",
        )),
    }
}

/// The allowed word nearest to `word`, if it is close enough to be a typo.
pub(super) fn closest<'n>(word: &str, names: &[&'n str]) -> Option<&'n str> {
    // Nothing this long is a typo of a short name; the distance costs
    // length × length.
    if word.len() > 64 {
        return None;
    }
    names
        .iter()
        .map(|n| (edit_distance(word, n), *n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
