//! What a sweep runs: the spec, its grid of cells, and shards of it.

use serde::{Deserialize, Serialize};

use crate::scenario::check_combined;
use crate::scenario::model::Scenario;
use crate::scenario::overrides::{self, Setting};

/// Runs whose rows one process keeps (a sweep's table or plot, a shard,
/// a merge): about 200 bytes each, so 400 MB at most. `--find` keeps one
/// batch at a time and is not limited; larger grids run as shards, each
/// shard within the limit, merged in parts of at most this many.
pub const MAX_KEPT_RUNS: u64 = 2_000_000;

/// Refuse to keep `runs` rows past [`MAX_KEPT_RUNS`], saying what to do.
pub fn check_kept_runs(runs: u64) -> Result<(), String> {
    if runs > MAX_KEPT_RUNS {
        return Err(format!(
            "this would keep {runs} runs' rows in memory; the limit is {MAX_KEPT_RUNS} (about 200 bytes each): use fewer seeds or cells, more shards (--shard I/N), or --find, which streams"
        ));
    }
    Ok(())
}

/// An inclusive range of seeds, `first..last` (`1..1000` is 1000 seeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRange {
    /// First seed.
    pub first: u64,
    /// Last seed (inclusive).
    pub last: u64,
}

impl SeedRange {
    /// `1..1000` (both ends included) or a single seed `7`.
    pub fn parse(text: &str) -> Result<SeedRange, String> {
        let text = text.trim();
        let number = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("--seeds {text}: {s:?} is not a seed (a whole number from 0)"))
        };
        // `1-100` reads as a range to a person; say how tcpsim writes one.
        if let Some((a, b)) = text.split_once('-')
            && !a.trim().is_empty()
            && a.trim().parse::<u64>().is_ok()
            && b.trim().parse::<u64>().is_ok()
        {
            return Err(format!(
                "--seeds {text}: a range is written with two dots: --seeds {}..{} (both ends included)",
                a.trim(),
                b.trim()
            ));
        }
        let range = match text.split_once("..") {
            Some((a, b)) => SeedRange {
                first: number(a)?,
                last: number(b.strip_prefix('=').unwrap_or(b))?,
            },
            None => {
                let n = number(text)?;
                SeedRange { first: n, last: n }
            }
        };
        if range.last < range.first {
            return Err(format!(
                "--seeds {text}: the range is empty (write FIRST..LAST with FIRST <= LAST; both are included)"
            ));
        }
        if range.last - range.first >= u64::from(u32::MAX) {
            return Err(format!(
                "--seeds {text}: too many seeds; at most {} in one sweep",
                u32::MAX
            ));
        }
        Ok(range)
    }

    /// How many seeds.
    pub fn count(&self) -> u64 {
        self.last - self.first + 1
    }
}

impl std::fmt::Display for SeedRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

/// One varied parameter: a path or shorthand and its values, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vary {
    /// The varied setting (a `--set` path or knob).
    pub name: String,
    /// Its values, in grid order.
    pub values: Vec<String>,
}

impl Vary {
    /// `loss=0,0.01,0.05`: a name, `=`, comma-separated values.
    pub fn parse(text: &str) -> Result<Vary, String> {
        let Some((name, list)) = text.split_once('=') else {
            return Err(format!(
                "--vary {text}: expected NAME=V1,V2,... (for example loss=0,0.01,0.05)"
            ));
        };
        let name = name.trim();
        let values: Vec<String> = list.split(',').map(|v| v.trim().to_string()).collect();
        if name.is_empty() || values.iter().any(String::is_empty) {
            return Err(format!(
                "--vary {text}: expected NAME=V1,V2,... with no empty value"
            ));
        }
        Ok(Vary {
            name: name.to_string(),
            values,
        })
    }
}

/// Everything that defines a sweep's output, apart from the runs' rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// The scenario file, as given on the command line.
    pub file: String,
    /// The scenario's name (the file stem).
    pub scenario: String,
    /// The seeds each cell runs.
    pub seeds: SeedRange,
    /// Overrides applied to every run, `name=value`, in order.
    pub set: Vec<String>,
    /// The varied settings; the grid is their product.
    pub vary: Vec<Vary>,
    /// The effective values of the base scenario (after `set`, before
    /// `vary`), `path=value`; the seed is left out, `seeds` gives it.
    pub settings: Vec<String>,
}

impl Spec {
    /// Cells in the grid.
    pub fn cells(&self) -> u64 {
        self.vary.iter().map(|v| v.values.len() as u64).product()
    }

    /// Runs in the sweep (cells × seeds).
    pub fn runs(&self) -> u64 {
        self.cells() * self.seeds.count()
    }

    /// The value each varied parameter takes in `cell` (first `--vary` slowest).
    pub fn cell_values(&self, cell: u64) -> Vec<&str> {
        let mut rest = cell;
        let mut values = vec![""; self.vary.len()];
        for (i, v) in self.vary.iter().enumerate().rev() {
            let n = v.values.len() as u64;
            values[i] = &v.values[(rest % n) as usize];
            rest /= n;
        }
        values
    }

    /// The `name=value` overrides of `cell`, after the sweep's own `set`.
    pub fn cell_set(&self, cell: u64) -> Vec<String> {
        let mut set = self.set.clone();
        for (v, value) in self.vary.iter().zip(self.cell_values(cell)) {
            set.push(format!("{}={value}", v.name));
        }
        set
    }

    /// (cell, seed) of a run.
    pub fn locate(&self, run: u64) -> (u64, u64) {
        let n = self.seeds.count();
        (run / n, self.seeds.first + run % n)
    }

    /// The base settings as [`Setting`]s, for [`overrides::describe`].
    pub fn settings_list(&self) -> Vec<Setting> {
        self.settings
            .iter()
            .map(|s| {
                let (path, value) = s.split_once('=').unwrap_or((s, ""));
                Setting {
                    path: path.to_string(),
                    value: value.to_string(),
                }
            })
            .collect()
    }
}

/// A spec made ready to run: one validated scenario per cell.
pub struct Plan {
    /// The sweep this belongs to.
    pub spec: Spec,
    cells: Vec<Scenario>,
}

impl Plan {
    /// Check every override and every varied value against `base` (errors
    /// name the flag) and build the grid. `set` is `(name, value)` pairs.
    pub fn new(
        mut base: Scenario,
        file: &str,
        seeds: SeedRange,
        set: &[(String, String)],
        vary: Vec<Vary>,
    ) -> Result<Plan, String> {
        let seed_named = |name: &str| overrides::targets(name).iter().any(|p| p == "seed");
        for (name, value) in set {
            if seed_named(name) {
                return Err(format!(
                    "--set {name}={value}: a sweep takes its seeds from --seeds"
                ));
            }
            overrides::apply(&mut base, name, value).map_err(|e| e.to_string())?;
        }
        if !set.is_empty() {
            check_combined(&base).map_err(|broken| format!("with the overrides, {broken}"))?;
        }
        let mut seen: Vec<Vec<String>> = Vec::new();
        for v in &vary {
            if seed_named(&v.name) {
                return Err(format!(
                    "--vary {}: vary the seed with --seeds FIRST..LAST",
                    v.name
                ));
            }
            let targets = overrides::targets(&v.name);
            if let Some(t) = targets
                .iter()
                .find(|t| seen.iter().flatten().any(|s| s == *t))
            {
                return Err(format!(
                    "--vary {}: `{t}` is already varied by an earlier --vary",
                    v.name
                ));
            }
            seen.push(targets);
            for value in &v.values {
                let mut probe = base.clone();
                overrides::apply(&mut probe, &v.name, value)
                    .map_err(|e| format!("--vary {}: {e}", v.name))?;
                check_combined(&probe)
                    .map_err(|broken| format!("--vary {}={value}: {broken}", v.name))?;
            }
        }
        let settings = overrides::settings(&base)
            .into_iter()
            .filter(|s| s.path != "seed")
            .map(|s| s.to_string())
            .collect();
        let spec = Spec {
            file: file.to_string(),
            scenario: base.name.clone(),
            seeds,
            set: set
                .iter()
                .map(|(n, v)| format!("{n}={}", v.trim()))
                .collect(),
            vary,
            settings,
        };
        let mut cells = Vec::new();
        for cell in 0..spec.cells() {
            let mut s = base.clone();
            for (v, value) in spec.vary.iter().zip(spec.cell_values(cell)) {
                overrides::apply(&mut s, &v.name, value).expect("checked above");
            }
            if !spec.vary.is_empty() {
                check_combined(&s).map_err(|broken| {
                    format!("--vary cell {}: {broken}", spec.cell_set(cell).join(" "))
                })?;
            }
            cells.push(s);
        }
        Ok(Plan { spec, cells })
    }

    /// The scenario of one run.
    pub fn scenario(&self, run: u64) -> Scenario {
        let (cell, seed) = self.spec.locate(run);
        let mut s = self.cells[cell as usize].clone();
        s.seed = seed;
        s
    }
}

/// A deterministic slice of the grid: shard `index` of `count` (1-based)
/// takes the runs with `run mod count = index − 1`. Interleaving rather than
/// contiguous blocks gives every shard its share of each cell, so slow cells
/// (high loss) do not all land on one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's index (0-based).
    pub index: u64,
    /// How many shards in all.
    pub count: u64,
}

impl Shard {
    /// `2/4`: shard 2 of 4.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: expected I/N with 1 <= I <= N, like 1/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index = i.trim().parse::<u64>().map_err(|_| bad())?;
        let count = n.trim().parse::<u64>().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether run number `run` belongs to this shard.
    pub fn contains(&self, run: u64) -> bool {
        run % self.count == self.index - 1
    }

    /// This shard's runs out of `runs`, in order.
    pub fn runs(&self, runs: u64) -> Vec<u64> {
        (self.index - 1..runs)
            .step_by(self.count as usize)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_include_both_ends() {
        let r = SeedRange::parse("1..1000").unwrap();
        assert_eq!((r.first, r.last, r.count()), (1, 1000, 1000));
        assert_eq!(SeedRange::parse("7").unwrap().count(), 1);
        assert_eq!(SeedRange::parse("3..=4").unwrap().count(), 2);
        assert!(SeedRange::parse("5..1").is_err());
        assert!(SeedRange::parse("a..b").is_err());
        assert_eq!(SeedRange::parse("1..10").unwrap().to_string(), "1..10");
    }

    #[test]
    fn cells_vary_the_first_parameter_slowest() {
        let spec = Spec {
            file: "f".into(),
            scenario: "f".into(),
            seeds: SeedRange { first: 5, last: 6 },
            set: vec![],
            vary: vec![
                Vary::parse("loss=0,0.1").unwrap(),
                Vary::parse("delay=1ms,2ms,3ms").unwrap(),
            ],
            settings: vec![],
        };
        assert_eq!(spec.cells(), 6);
        assert_eq!(spec.runs(), 12);
        assert_eq!(spec.cell_values(0), ["0", "1ms"]);
        assert_eq!(spec.cell_values(2), ["0", "3ms"]);
        assert_eq!(spec.cell_values(3), ["0.1", "1ms"]);
        assert_eq!(spec.locate(7), (3, 6));
        assert_eq!(spec.cell_set(4), ["loss=0.1", "delay=2ms"]);
    }

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut all: Vec<u64> = shards.iter().flat_map(|s| s.runs(10)).collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(shards[1].runs(10), [1, 4, 7]);
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    }
}
