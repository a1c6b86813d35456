//! Walking a dotted path into the scenario and setting the value it names.
//! The paths and their checks mirror `scenario/`, table by table.

use crate::scenario::error::clip;
use crate::scenario::model::{Dir, Role, Scenario};

use super::OverrideError;
use super::path::{HOST_KEYS, LINK_KEYS, Res, Seg, TABLES, TOP_KEYS, Walk, leaf, shape, unknown};
use super::set::{set_fault, set_host, set_link, set_server, set_step, set_top};
use super::value::{self as v};

/// Set one path (no shorthands) to one value.
pub(super) fn one(s: &mut Scenario, path: &str, value: &str) -> Result<(), OverrideError> {
    let err = |reason: String| OverrideError::new(path, value, reason);
    let segs = parse_path(path).map_err(|why| {
        err(why).with_help(
            "write a path as in the scenario file, like link.s2c.loss or client.steps[1].recv",
        )
    })?;
    walk(s, &segs, value.trim(), value).map_err(|e| match e {
        Walk::Bad(reason) => err(reason),
        Walk::Unknown { reason, help } => {
            let e = err(reason);
            match help {
                Some(h) => e.with_help(h),
                None => e,
            }
        }
    })
}

/// `client.steps[2].recv` → [client, steps[2], recv]; Err: why it is not
/// a path.
fn parse_path(path: &str) -> Result<Vec<Seg<'_>>, String> {
    let not_a_path = || format!("`{}` is not a dotted path", clip(path));
    path.split('.')
        .map(|part| {
            let (key, index) = match part.split_once('[') {
                Some((key, rest)) => {
                    let digits = rest.strip_suffix(']').ok_or_else(not_a_path)?;
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(not_a_path());
                    }
                    let n = digits.parse::<usize>().map_err(|_| {
                        format!(
                            "`{}`: index {} is far past the end of any list",
                            clip(path),
                            clip(digits)
                        )
                    })?;
                    (key, Some(n))
                }
                None => (part, None),
            };
            let ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if ok {
                Ok(Seg { key, index })
            } else {
                Err(not_a_path())
            }
        })
        .collect()
}

/// `value` is trimmed; `raw` is as given (the data of a `send` step).
fn walk(s: &mut Scenario, segs: &[Seg<'_>], value: &str, raw: &str) -> Res {
    let (first, rest) = segs.split_first().expect("a path has a segment");
    match (first.key, first.index) {
        ("fault", Some(i)) => {
            let count = s.faults.len();
            let fault = s.faults.get_mut(i).ok_or_else(|| Walk::Unknown {
                reason: format!("`fault[{i}]` does not exist: the scenario has {count} fault(s)"),
                help: (count > 0)
                    .then(|| format!("faults count from 0: fault[0] .. fault[{}]", count - 1)),
            })?;
            let prefix = format!("fault[{i}]");
            let key = leaf(&prefix, rest)?;
            set_fault(fault, &prefix, key, value)
        }
        (key, Some(_)) => Err(shape(key, "not an array; remove the [index]")),
        ("link", None) => match rest {
            [
                Seg {
                    key: dir @ ("c2s" | "s2c"),
                    index: None,
                },
                tail @ ..,
            ] => {
                let prefix = format!("link.{dir}");
                let key = leaf(&prefix, tail)?;
                let d = if *dir == "c2s" {
                    Dir::ClientToServer
                } else {
                    Dir::ServerToClient
                };
                set_link(&mut s.link[d.index()], &prefix, key, value)
            }
            _ => {
                let key = leaf("link", rest).map_err(|e| match e {
                    Walk::Unknown { .. } if !rest.is_empty() => {
                        unknown("link", rest[0].key, &[LINK_KEYS, &["c2s", "s2c"]].concat())
                    }
                    e => e,
                })?;
                // Like a key in `[link]`: both directions.
                let mut both = s.link.clone();
                for l in &mut both {
                    set_link(l, "link", key, value)?;
                }
                s.link = both;
                Ok(())
            }
        },
        ("client", None) => match rest {
            [
                Seg {
                    key: "steps",
                    index: Some(i),
                },
                tail @ ..,
            ] => set_step(&mut s.client.steps, "client.steps", *i, tail, value, raw),
            [
                Seg {
                    key: "steps",
                    index: None,
                },
                ..,
            ] => Err(shape(
                "client.steps",
                "a list; name one step, like client.steps[1].recv",
            )),
            _ => {
                let key = leaf("client", rest)?;
                if key == "port" {
                    s.client.port = if value == "auto" {
                        None
                    } else {
                        Some(
                            v::int_in("client.port", value, 1, 65535, "a port number (or auto)")?
                                as u16,
                        )
                    };
                    return Ok(());
                }
                if !HOST_KEYS.contains(&key) {
                    return Err(unknown("client", key, &[HOST_KEYS, &["steps"]].concat()));
                }
                set_host(s, Role::Client, key, value)
            }
        },
        ("server", None) => set_server(s, rest, value),
        (key, None) if TOP_KEYS.contains(&key) => {
            if !rest.is_empty() {
                return Err(shape(key, "a value, not a table"));
            }
            set_top(s, key, value)
        }
        // A short name (`loss`, `buffer`) is as likely a meant word as a key.
        (key, None) => {
            let short: Vec<&str> = super::SHORTHANDS.iter().map(|(n, _)| *n).collect();
            Err(unknown("", key, &[TOP_KEYS, TABLES, &short].concat()))
        }
    }
}
