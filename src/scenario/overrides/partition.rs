//! Overrides of a partition fault (`action = "partition"`): its window
//! (`from`, `until`) and its direction, `"both"` included. A partition
//! matches frames by time alone, so the match keys of other faults (`flags`,
//! `seq`, `len`, `nth`) and `delay` do not apply to it, and the other
//! faults cannot take `from`, `until` or `dir = "both"`.

use crate::scenario::model::{Dir, Fault, FaultAction};

use super::path::{FAULT_KEYS, Res, unknown};
use super::value as v;

/// Set `key` of `f`, which is a partition.
pub(super) fn set_partition(f: &mut Fault, prefix: &str, key: &str, value: &str) -> Res {
    let path = format!("{prefix}.{key}");
    let p = path.as_str();
    let FaultAction::Partition {
        mut from,
        mut until,
        mut both_ways,
    } = f.action
    else {
        unreachable!("the caller checked")
    };
    match key {
        "dir" => {
            let dir = v::choice(
                p,
                value,
                &[
                    ("c2s", Some(Dir::ClientToServer)),
                    ("s2c", Some(Dir::ServerToClient)),
                    ("both", None),
                ],
            )?;
            both_ways = dir.is_none();
            f.dir = dir.unwrap_or(Dir::ClientToServer);
        }
        "from" => from = v::duration(p, value)?,
        "until" => until = v::duration(p, value)?,
        "action" => {
            return match value {
                "partition" => Ok(()),
                "drop" | "delay" | "stall" => Err(format!(
                    "`{p}` cannot become {value:?} here: `{prefix}` is a partition, which names \
                     no segment to act on; write that fault in the scenario file"
                )
                .into()),
                _ => Err(format!(
                    "`{p}` must be one of \"drop\", \"delay\", \"stall\", \"partition\", got {value:?}"
                )
                .into()),
            };
        }
        "flags" | "seq" | "len" | "nth" | "delay" => {
            return Err(format!(
                "`{p}` does not apply to `{prefix}`: a partition drops every frame in its window \
                 (set `{prefix}.from` and `{prefix}.until`)"
            )
            .into());
        }
        _ => return Err(unknown(prefix, key, FAULT_KEYS)),
    }
    if until <= from {
        return Err(format!(
            "`{p}` would leave `{prefix}` with `until` ({until} us) not after `from` ({from} us)"
        )
        .into());
    }
    f.action = FaultAction::Partition {
        from,
        until,
        both_ways,
    };
    Ok(())
}

/// The error for a partition's own keys (or values) on another fault.
pub(super) fn only_for_partitions(prefix: &str, key: &str) -> Res {
    Err(format!(
        "`{prefix}.{key}` applies only to a partition (action = \"partition\"), and `{prefix}` is not one"
    )
    .into())
}
