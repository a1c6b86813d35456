//! Sweeps: results independent of the thread count, shards that merge to
//! the unsharded bytes, `--find` and its replay command, plots, and the
//! smoltcp netsim grid as a snapshot.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tcpsim::sweep::predicate::Predicate;
use tcpsim::sweep::{Plan, RunRow, SeedRange, Vary, exec, report};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plan(file: &str, seeds: &str, set: &[(&str, &str)], vary: &[&str]) -> Plan {
    let scenario = tcpsim::scenario::load(&root().join(file)).expect("scenario loads");
    let set: Vec<(String, String)> = set
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let vary = vary.iter().map(|v| Vary::parse(v).unwrap()).collect();
    Plan::new(scenario, file, SeedRange::parse(seeds).unwrap(), &set, vary).expect("plan")
}

fn rows_with_threads(plan: &Plan, threads: usize) -> Vec<RunRow> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let runs: Vec<u64> = (0..plan.spec.runs()).collect();
    pool.install(|| exec::run_all(plan, &runs, &|| {}))
        .expect("no run panics")
}

fn tcpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("tcpsim runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcpsim-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_cell_is_the_same_whatever_the_thread_count() {
    let p = plan(
        "sim-scenarios/lossy.toml",
        "1..24",
        &[("delay", "2ms")],
        &["loss=0,0.1", "reorder=0,0.2"],
    );
    let one = rows_with_threads(&p, 1);
    let two = rows_with_threads(&p, 2);
    let three = rows_with_threads(&p, 3);
    assert_eq!(one, two);
    assert_eq!(one, three);
    report::check_rows(&p.spec, &one).unwrap();
    // And each row is what a lone run of that scenario gives.
    let lone = exec::run_one(&p, 37).expect("no panic");
    assert_eq!(lone, one[37]);
    // The grid really varies: loss 0.1 retransmits, loss 0 and reorder 0 does not.
    let stats = report::cells(&p.spec, &one);
    assert_eq!(stats[0].retransmissions, 0, "{:?}", stats[0]);
    assert!(stats[2].retransmissions > 0, "{:?}", stats[2]);
}

#[test]
fn intact_means_both_streams_arrived_whole() {
    // lossy's client reads to the end: intact on a clean link, whatever the seed.
    let clean = plan("sim-scenarios/lossy.toml", "1..5", &[("loss", "0")], &[]);
    let rows = rows_with_threads(&clean, 2);
    assert!(
        rows.iter().all(|r| r.intact && r.ended_fin == 1),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.delivered_bytes == 13 + 13_000));
    // V3's client closes with 10952 bytes unread: never intact, always a RST.
    let v3 = plan("sim-scenarios/v3.toml", "1..5", &[], &[]);
    let rows = rows_with_threads(&v3, 2);
    assert!(
        rows.iter().all(|r| !r.intact && r.ended_rst == 1),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .all(|r| r.sent_bytes == 13 + 13_000 && r.delivered_bytes == 13 + 2048)
    );
}

/// The three formats of one sweep, unsharded, then merged from `n` shards.
fn sharded_equals_unsharded(n: usize) {
    let dir = temp_dir(&format!("shards{n}"));
    let common = [
        "sweep",
        "sim-scenarios/v3.toml",
        "--seeds",
        "1..30",
        "--vary",
        "loss=0,0.05,0.2",
        "--vary",
        "delay=100us,5ms",
        "--set",
        "server.echo.times=20",
    ];
    let mut shards = Vec::new();
    for i in 1..=n {
        let file = dir.join(format!("shard-{i}.json"));
        let mut args = common.to_vec();
        let shard = format!("{i}/{n}");
        args.extend(["--shard", &shard, "--out", file.to_str().unwrap()]);
        let out = tcpsim(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "the shard went to its file");
        shards.push(file.to_str().unwrap().to_string());
    }
    // Merge in reverse order: the order of the files must not matter.
    shards.reverse();
    for format in ["table", "csv", "json"] {
        let mut args = common.to_vec();
        args.extend(["--format", format]);
        let whole = stdout(&tcpsim(&args));
        let mut merge = vec!["merge"];
        merge.extend(shards.iter().map(String::as_str));
        merge.extend(["--format", format]);
        let merged = stdout(&tcpsim(&merge));
        assert_eq!(merged, whole, "{format} from {n} shards");
        match format {
            "csv" => assert_eq!(whole.lines().count(), 1 + 6, "{whole}"),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
                assert_eq!(v["runs"], 180);
                assert_eq!(v["cells"].as_array().unwrap().len(), 6);
                assert_eq!(v["cells"][5]["values"][1], "delay=5ms");
                assert_eq!(v["cells"][5]["runs"], 30);
            }
            _ => assert!(whole.contains("× 6 cells = 180 runs"), "{whole}"),
        }
    }
    // The plot too.
    let whole_svg = dir.join("whole.svg");
    let merged_svg = dir.join("merged.svg");
    let mut args = common.to_vec();
    args.extend([
        "--plot",
        whole_svg.to_str().unwrap(),
        "--metric",
        "retransmissions",
    ]);
    stdout(&tcpsim(&args));
    let mut merge = vec!["merge"];
    merge.extend(shards.iter().map(String::as_str));
    merge.extend([
        "--plot",
        merged_svg.to_str().unwrap(),
        "--metric",
        "retransmissions",
    ]);
    stdout(&tcpsim(&merge));
    assert_eq!(
        std::fs::read(&whole_svg).unwrap(),
        std::fs::read(&merged_svg).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn three_shards_merge_to_the_bytes_of_the_unsharded_sweep() {
    sharded_equals_unsharded(3);
}

#[test]
fn more_shards_than_cells_still_merge_exactly() {
    sharded_equals_unsharded(7);
}

#[test]
fn merge_rejects_incomplete_duplicate_and_foreign_shards() {
    let dir = temp_dir("merge-errors");
    let shard = |name: &str, spec: &[&str]| {
        let file = dir.join(name);
        let mut args = vec!["sweep", "sim-scenarios/v3.toml", "--seeds", "1..4"];
        args.extend(spec.iter().copied());
        args.extend(["--out", file.to_str().unwrap()]);
        stdout(&tcpsim(&args));
        file.to_str().unwrap().to_string()
    };
    let a1 = shard("a1.json", &["--shard", "1/2"]);
    let a2 = shard("a2.json", &["--shard", "2/2"]);
    let b2 = shard("b2.json", &["--shard", "2/2", "--loss", "0.1"]);
    let c1 = shard("c1.json", &["--shard", "1/3"]);
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"rows\": 3}").unwrap();
    let bad = bad.to_str().unwrap();
    for (files, expected) in [
        (vec![a1.as_str()], "missing shard(s) 2/2"),
        (vec![a1.as_str(), a1.as_str()], "are both shard 1/2"),
        (
            vec![a1.as_str(), b2.as_str()],
            "is from a different sweep than",
        ),
        (
            vec![a1.as_str(), b2.as_str()],
            "overrides (--set and short flags) [] against [loss=0.1]",
        ),
        (vec![a1.as_str(), c1.as_str()], "is one of 2 shards"),
        (vec![bad], "not a tcpsim shard file"),
    ] {
        let mut args = vec!["merge"];
        args.extend(files.iter().copied());
        let out = tcpsim(&args);
        assert_eq!(out.status.code(), Some(2), "{files:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{files:?}: {err}");
    }
    stdout(&tcpsim(&["merge", &a2, &a1]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_takes_two_spellings_of_one_file_as_one_sweep() {
    let dir = temp_dir("merge-spellings");
    let shard = |name: &str, file: &str, shard: &str| {
        let out = dir.join(name);
        let args = [
            "sweep",
            file,
            "--seeds",
            "1..4",
            "--shard",
            shard,
            "--out",
            out.to_str().unwrap(),
        ];
        stdout(&tcpsim(&args));
        out.to_str().unwrap().to_string()
    };
    let absolute = root().join("sim-scenarios/v3.toml");
    let one = shard("one.json", "sim-scenarios/v3.toml", "1/2");
    let two = shard("two.json", absolute.to_str().unwrap(), "2/2");
    let whole = stdout(&tcpsim(&[
        "sweep",
        "sim-scenarios/v3.toml",
        "--seeds",
        "1..4",
    ]));
    // Shard 1's spelling heads the output, in either order.
    assert_eq!(stdout(&tcpsim(&["merge", &two, &one])), whole);
    assert_eq!(stdout(&tcpsim(&["merge", &one, &two])), whole);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn find_stops_at_the_first_seed_and_prints_a_command_that_replays_it() {
    let predicate = "completion_ms > 1000 && retx == 1";
    let args = [
        "sweep",
        "sim-scenarios/v3.toml",
        "--seeds",
        "1..300",
        "--vary",
        "loss=0,0.1",
        "--find",
        predicate,
    ];
    let text = stdout(&tcpsim(&args));
    let mut with_one_thread = args.to_vec();
    with_one_thread.extend(["--threads", "1"]);
    assert_eq!(
        stdout(&tcpsim(&with_one_thread)),
        text,
        "same answer on one thread"
    );

    let command = text.lines().last().unwrap();
    let words: Vec<&str> = command.split(' ').collect();
    assert_eq!(
        &words[..3],
        ["tcpsim", "run", "sim-scenarios/v3.toml"],
        "{text}"
    );
    assert_eq!(words[3], "--seed");
    let seed: u64 = words[4].parse().unwrap();
    assert_eq!(&words[5..], ["--set", "loss=0.1"], "{text}");

    // No earlier seed matches in either cell (seed order, then cell order).
    let p = plan("sim-scenarios/v3.toml", "1..300", &[], &["loss=0,0.1"]);
    let pred = Predicate::parse(predicate).unwrap();
    for s in 1..seed {
        for cell in 0..2 {
            let row = exec::run_one(&p, cell * 300 + s - 1).expect("no panic");
            assert!(!pred.holds(&row), "seed {s} cell {cell} matches earlier");
        }
    }
    assert!(
        !pred.holds(&exec::run_one(&p, seed - 1).expect("no panic")),
        "loss 0 at that seed does not"
    );
    // The printed command replays a run where the predicate holds.
    let replay = stdout(&tcpsim(&words[1..]));
    let finished = replay
        .lines()
        .find_map(|l| l.strip_prefix("finished at "))
        .expect("the replay finished");
    let secs: f64 = finished.split(' ').next().unwrap().parse().unwrap();
    assert!(secs > 1.0, "{replay}");
}

#[test]
fn find_without_a_match_exits_1_and_a_bad_predicate_exits_2() {
    let out = tcpsim(&[
        "sweep",
        "sim-scenarios/v3.toml",
        "--seeds",
        "1..5",
        "--find",
        "rst > 100",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("no run matches `rst > 100`")
    );
    let out = tcpsim(&["sweep", "sim-scenarios/v3.toml", "--find", "rst => 1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("invalid --find predicate"), "{err}");
    assert!(
        err.contains("`=` is not an operator; write `==`\n  rst => 1\n      ^"),
        "{err}"
    );
}

#[test]
fn sweep_usage_errors_exit_2_and_name_the_flag() {
    for (args, expected) in [
        (vec!["--seeds", "9..1"], "--seeds 9..1: the range is empty"),
        (
            vec!["--seeds", "1-100"],
            "--seeds 1-100: a range is written with two dots: --seeds 1..100",
        ),
        (vec!["--vary", "los=0,0.1"], "help: did you mean `loss`?"),
        (vec!["--set", "bufer=4KiB"], "help: did you mean `buffer`?"),
        (
            vec!["--vary", "loss"],
            "--vary loss: expected NAME=V1,V2,...",
        ),
        (
            vec!["--vary", "loss=0,2"],
            "--vary loss: invalid override `loss=2`",
        ),
        (vec!["--vary", "seed=1,2"], "vary the seed with --seeds"),
        (
            vec!["--vary", "loss=0", "--vary", "link.loss=0.1"],
            "already varied",
        ),
        (vec!["--loss", "x"], "invalid `--loss x`"),
        (vec!["--shard", "3/2"], "--shard 3/2: expected I/N"),
        (
            vec!["--plot", "/tmp/never.svg"],
            "--plot needs a varied parameter",
        ),
        (
            vec![
                "--vary",
                "loss=0",
                "--plot",
                "/tmp/never.svg",
                "--metric",
                "speed",
            ],
            "--metric speed: unknown metric",
        ),
        (vec!["--threads", "0"], "0 is not in 1..=256"),
        (vec!["--threads", "20000"], "20000 is not in 1..=256"),
    ] {
        let mut all = vec!["sweep", "sim-scenarios/v3.toml"];
        if !args.contains(&"--seeds") {
            all.extend(["--seeds", "1..2"]);
        }
        all.extend(args.iter().copied());
        let out = tcpsim(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(out.stdout.is_empty(), "{all:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{all:?}: {err}");
    }
    assert!(!Path::new("/tmp/never.svg").exists());
}

#[test]
fn piped_output_has_no_progress_bar_and_the_plot_is_written_whole() {
    let dir = temp_dir("plot");
    let svg = dir.join("v3-loss.svg");
    let out = tcpsim(&[
        "sweep",
        "sim-scenarios/v3.toml",
        "--seeds",
        "1..20",
        "--vary",
        "loss=0,0.05,0.1",
        "--plot",
        svg.to_str().unwrap(),
        "--metric",
        "completion",
        "--x",
        "loss",
    ]);
    let text = stdout(&out);
    assert!(
        out.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
    assert!(text.starts_with("sweep of sim-scenarios/v3.toml (scenario v3): seeds 1..20"));
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg"), "{picture}");
    assert!(picture.trim_end().ends_with("</svg>"));
    assert!(picture.contains(">v3: completion_ms against loss</text>"));
    assert!(picture.contains("seeds 1..20 (20 runs per point)"));
    // A point per measured value and percentile, nothing joined as measured.
    assert_eq!(picture.matches(r#"class="p50""#).count(), 3);
    assert_eq!(picture.matches(r#"class="p95""#).count(), 3);
    assert_eq!(picture.matches(r#"class="guide""#).count(), 1);
    // Only the plot is left in the directory: the temporary file was renamed.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["v3-loss.svg"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn v3_under_loss_table() {
    let p = plan("sim-scenarios/v3.toml", "1..50", &[], &["loss=0,0.02,0.1"]);
    let rows = rows_with_threads(&p, 2);
    insta::assert_snapshot!(report::table(&p.spec, &rows));
}

/// smoltcp's netsim grid (sim-scenarios/netsim.toml). The full 72-cell grid
/// takes minutes in a debug build; by default a 2 × 3 corner of it runs, and
/// TCPSIM_FULL_NETSIM=1 runs all of it.
#[test]
fn netsim_grid() {
    let full = std::env::var("TCPSIM_FULL_NETSIM").is_ok_and(|v| v == "1");
    let (buffers, losses) = if full {
        (
            "buffer=128,256,512,1024,2048,4096,8192,16384,32768",
            "loss=0,0.001,0.01,0.02,0.05,0.1,0.2,0.3",
        )
    } else {
        ("buffer=1024,32768", "loss=0,0.01,0.1")
    };
    let p = plan("sim-scenarios/netsim.toml", "1", &[], &[buffers, losses]);
    let rows = rows_with_threads(&p, 2);
    let table = report::table(&p.spec, &rows);
    if full {
        insta::assert_snapshot!("netsim_full", table);
    } else {
        insta::assert_snapshot!("netsim_reduced", table);
    }
}

/// One plot of v3 under loss, drawn from rows made here (no process).
fn v3_plot(opts: &tcpsim::sweep::plot::Options<'_>, vary: &[&str]) -> String {
    let plan = plan("sim-scenarios/v3.toml", "1..40", &[], vary);
    let rows = rows_with_threads(&plan, 2);
    tcpsim::sweep::plot::svg(&plan.spec, &rows, opts).unwrap()
}

#[test]
fn plots_take_their_scale_from_the_data_and_put_units_and_the_legend_beside_it() {
    let opts = tcpsim::sweep::plot::Options {
        metric: "completion",
        x: None,
        kind: tcpsim::sweep::plot::Kind::Points,
        log_y: false,
    };
    // 14 ms medians and a 1 s p95 at 10% loss: a log scale, in ms.
    let lossy = v3_plot(&opts, &["loss=0,0.1"]);
    assert!(
        lossy.contains(">completion_ms (ms, log scale)</text>"),
        "{lossy}"
    );
    // Without loss every run is alike: a linear scale from 0.
    let calm = v3_plot(&opts, &["delay=1ms,2ms"]);
    assert!(calm.contains(">completion_ms (ms)</text>"), "{calm}");
    assert!(
        v3_plot(
            &tcpsim::sweep::plot::Options {
                log_y: true,
                ..opts
            },
            &["delay=1ms,2ms"]
        )
        .contains("log scale")
    );
    // The legend's x lies right of the plot area's right edge.
    let legend_x = |svg: &str| -> f64 {
        let at = svg.find(">legend</text>").unwrap();
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let x = tag.split("x=\"").nth(1).unwrap().split('"').next().unwrap();
        x.parse().unwrap()
    };
    let frame = lossy.split(r#"<rect x=""#).nth(1).unwrap();
    let left: f64 = frame.split('"').next().unwrap().parse().unwrap();
    let width: f64 = frame
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        legend_x(&lossy) > left + width,
        "the legend is outside the data"
    );
    // Goodput in kB/s.
    let goodput = v3_plot(
        &tcpsim::sweep::plot::Options {
            metric: "goodput",
            ..opts
        },
        &["loss=0,0.1"],
    );
    assert!(goodput.contains("goodput (kB/s"), "{goodput}");
}

#[test]
fn categories_are_points_with_whiskers_and_cdfs_step_per_cell() {
    let points = tcpsim::sweep::plot::Options {
        metric: "completion",
        x: Some("congestion"),
        kind: tcpsim::sweep::plot::Kind::Points,
        log_y: false,
    };
    let svg = v3_plot(&points, &["congestion=none,reno,cubic"]);
    assert_eq!(svg.matches(r#"class="whisker""#).count(), 3);
    assert!(
        !svg.contains(r#"class="guide""#),
        "categories are not joined"
    );
    let cdf = tcpsim::sweep::plot::Options {
        kind: tcpsim::sweep::plot::Kind::Cdf,
        x: None,
        ..points
    };
    let svg = v3_plot(&cdf, &["loss=0,0.05,0.1"]);
    assert_eq!(svg.matches(r#"class="cdf""#).count(), 3);
    assert!(svg.contains(">loss=0.05</text>"));
    assert!(svg.contains(">fraction of runs at or below</text>"));
}
