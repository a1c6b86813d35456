//! The loss what-if against the real kernel: sim-scenarios/bulk-loss.toml's
//! 8 MiB transfer under random loss of data segments, median goodput over 20
//! seeds, against Linux 6.18's on the same workload
//! (benches/linux-reference/bulk-loss.tsv, 20 runs per cell). Issue 16's
//! target: within 0.8x-1.25x. The default run checks CUBIC at 1% and 2%;
//! `TCPSIM_LOSS_TABLE=1 cargo test --release --test loss_vs_linux` checks
//! every measured loss rate for both CUBIC and Reno and prints the table
//! (the loss-free row is printed only: see `check`).

use std::collections::BTreeMap;
use std::process::Command;

/// Linux's median goodput (bytes/s) per (congestion control, loss).
fn linux_medians() -> BTreeMap<(String, String), f64> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/linux-reference/bulk-loss.tsv"
    );
    let text = std::fs::read_to_string(path).expect("the Linux reference table");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (cc, loss, goodput) = (col("cc"), col("loss"), col("goodput_Bps"));
    let mut cells: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let loss: f64 = f[loss].parse().expect("a loss rate");
        cells
            .entry((f[cc].to_string(), format!("{loss}")))
            .or_default()
            .push(f[goodput].parse().expect("a goodput"));
    }
    cells
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(f64::total_cmp);
            let n = v.len();
            let median = if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            };
            (k, median)
        })
        .collect()
}

/// tcpsim's median goodput (bytes/s) per loss rate, from `tcpsim sweep`.
fn tcpsim_medians(cc: &str, losses: &[&str]) -> BTreeMap<String, f64> {
    let out = Command::new(env!("CARGO_BIN_EXE_tcpsim"))
        .args(["sweep", "sim-scenarios/bulk-loss.toml", "--seeds", "1..20"])
        .args(["--set", &format!("congestion={cc}")])
        .args(["--vary", &format!("link.c2s.loss={}", losses.join(","))])
        .args(["--format", "csv"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("tcpsim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (loss, goodput) = (col("link.c2s.loss"), col("goodput_p50_bytes_per_s"));
    rows.map(|r| {
        let f: Vec<&str> = r.split(',').collect();
        let loss: f64 = f[loss].parse().expect("a loss rate");
        (format!("{loss}"), f[goodput].parse().expect("a goodput"))
    })
    .collect()
}

fn check(cc: &str, losses: &[&str]) -> Vec<String> {
    let linux = linux_medians();
    let sim = tcpsim_medians(cc, losses);
    let mut report = Vec::new();
    for l in losses {
        let key = format!("{}", l.parse::<f64>().expect("a loss rate"));
        let theirs = linux[&(cc.to_string(), key.clone())];
        let ours = sim[&key];
        let ratio = ours / theirs;
        report.push(format!(
            "{cc} loss {key}: tcpsim {:.0} kB/s, Linux {:.0} kB/s, {ratio:.2}x",
            ours / 1000.0,
            theirs / 1000.0
        ));
        // Without loss the transfer is slow start alone: tcpsim's 290 ms
        // against Linux's 232 ms median (0.80x) is reported, not asserted.
        assert!(
            key == "0" || (0.8..=1.25).contains(&ratio),
            "{cc} at loss {key}: tcpsim {ours:.0} B/s against Linux {theirs:.0} B/s ({ratio:.2}x), outside 0.8x-1.25x"
        );
    }
    report
}

#[test]
fn goodput_under_loss_is_within_a_fifth_of_linux() {
    if std::env::var_os("TCPSIM_LOSS_TABLE").is_some() {
        let losses = ["0", "0.005", "0.01", "0.02", "0.03", "0.05"];
        for cc in ["cubic", "reno"] {
            for line in check(cc, &losses) {
                println!("{line}");
            }
        }
    } else {
        check("cubic", &["0.01", "0.02"]);
    }
}
