//! Shard files: the rows one shard computed, with the spec they belong to,
//! and merging a complete set of them back into the sweep's rows.

use serde::{Deserialize, Serialize};

use super::metrics::RunRow;
use super::spec::{Shard, Spec};

/// Bumped when the shard file format changes.
pub const FORMAT: u32 = 1;

/// What `tcpsim sweep --shard i/n` writes (as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Format version of the shard file.
    pub tcpsim_shard: u32,
    /// The sweep this belongs to.
    pub spec: Spec,
    /// Which slice of the grid.
    pub shard: Shard,
    /// One row per run of the slice.
    pub rows: Vec<RunRow>,
}

impl ShardFile {
    /// A shard file for these rows.
    pub fn new(spec: Spec, shard: Shard, rows: Vec<RunRow>) -> ShardFile {
        ShardFile {
            tcpsim_shard: FORMAT,
            spec,
            shard,
            rows,
        }
    }

    /// The file's JSON text.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string(self).expect("plain data serializes");
        text.push('\n');
        text
    }

    /// Read a shard file; `name` is used in errors.
    pub fn parse(name: &str, text: &str) -> Result<ShardFile, String> {
        let file: ShardFile = serde_json::from_str(text)
            .map_err(|e| format!("{name}: not a tcpsim shard file: {e}"))?;
        if file.tcpsim_shard != FORMAT {
            return Err(format!(
                "{name}: shard format {} is not the supported format {FORMAT}",
                file.tcpsim_shard
            ));
        }
        let expected = file.shard.runs(file.spec.runs());
        let have: Vec<u64> = file.rows.iter().map(|r| r.run).collect();
        if have != expected {
            return Err(format!(
                "{name}: shard {}/{} should hold runs {}, but holds {}",
                file.shard.index,
                file.shard.count,
                list(&expected),
                list(&have)
            ));
        }
        Ok(file)
    }
}

fn list(runs: &[u64]) -> String {
    let shown: Vec<String> = runs.iter().take(5).map(u64::to_string).collect();
    let more = if runs.len() > 5 { ", ..." } else { "" };
    format!("[{}{more}] ({} runs)", shown.join(", "), runs.len())
}

/// Combine one file per shard (in any order) into the spec and all rows in
/// run order. Every file must come from the same sweep (same spec and shard
/// count), and every shard must be there exactly once.
pub fn merge(files: &[(String, ShardFile)]) -> Result<(Spec, Vec<RunRow>), String> {
    let Some((first_name, first)) = files.first() else {
        return Err("no shard files given".to_string());
    };
    let count = first.shard.count;
    let mut by_index: Vec<Option<&str>> = vec![None; count as usize];
    for (name, f) in files {
        if let Some(why) = difference(&first.spec, &f.spec) {
            return Err(format!(
                "{name} is from a different sweep than {first_name}: {why}"
            ));
        }
        if f.shard.count != count {
            return Err(format!(
                "{name} is shard {}/{}, but {first_name} is one of {count} shards",
                f.shard.index, f.shard.count
            ));
        }
        let slot = &mut by_index[(f.shard.index - 1) as usize];
        if let Some(other) = slot {
            return Err(format!(
                "{name} and {other} are both shard {}/{count}",
                f.shard.index
            ));
        }
        *slot = Some(name);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s) {}", missing.join(", ")));
    }
    let mut rows: Vec<RunRow> = files.iter().flat_map(|(_, f)| f.rows.clone()).collect();
    rows.sort_by_key(|r| r.run);
    // Shard 1's spelling of the file path, whatever order the files came in.
    let one = files
        .iter()
        .find(|(_, f)| f.shard.index == 1)
        .map_or(first, |(_, f)| f);
    Ok((one.spec.clone(), rows))
}

/// The first field in which two shards' specs differ, both values quoted;
/// `None` when they describe the same runs. The file path is not compared:
/// shards made from different working directories spell it differently
/// (`sim-scenarios/v3.toml`, `../tcpsim/sim-scenarios/v3.toml`), and the
/// scenario's name and every effective setting, which are compared, already
/// say which runs were made.
pub fn difference(a: &Spec, b: &Spec) -> Option<String> {
    let quote = |v: &[String]| format!("[{}]", v.join(" "));
    let vary = |v: &[super::spec::Vary]| -> Vec<String> {
        v.iter()
            .map(|v| format!("{}={}", v.name, v.values.join(",")))
            .collect()
    };
    if a.scenario != b.scenario {
        return Some(format!(
            "scenario {:?} against {:?}",
            a.scenario, b.scenario
        ));
    }
    if a.seeds != b.seeds {
        return Some(format!("seeds {} against {}", a.seeds, b.seeds));
    }
    if a.set != b.set {
        return Some(format!(
            "overrides (--set and short flags) {} against {}",
            quote(&a.set),
            quote(&b.set)
        ));
    }
    if a.vary != b.vary {
        return Some(format!(
            "--vary {} against {}",
            quote(&vary(&a.vary)),
            quote(&vary(&b.vary))
        ));
    }
    if a.settings != b.settings {
        let n = a.settings.len().max(b.settings.len());
        let none = String::from("(none)");
        let i = (0..n)
            .find(|&i| a.settings.get(i) != b.settings.get(i))
            .unwrap_or(0);
        return Some(format!(
            "scenario setting {} against {} (was the file {} changed between the shards?)",
            a.settings.get(i).unwrap_or(&none),
            b.settings.get(i).unwrap_or(&none),
            a.file
        ));
    }
    None
}
