//! `sealbench gate` and `sealbench merge`, on results files made here.

mod common;
use common::*;
use serde_json::{json, Value};

/// A results file with noclone and memfd, 60 interleaved rounds each.
fn results(kernel: &str, memfd_scale: f64) -> Value {
    noisy_results(kernel, memfd_scale, 0.01)
}

/// As [`results`], with memfd's spread around its median set by `spread`.
fn noisy_results(kernel: &str, memfd_scale: f64, spread: f64) -> Value {
    let row = |strategy: &str, scale: f64| {
        let spread = if strategy == "memfd" { spread } else { 0.01 };
        let times: Vec<f64> = (0..60)
            .map(|i| scale * 1e-3 * (1.0 + spread * (f64::from((i * 7) % 13) - 6.0) / 6.0))
            .collect();
        json!({"strategy": strategy, "workload": "exec-true", "status": "ok", "runs": 60,
               "times": times, "rounds": (0..60).collect::<Vec<u32>>()})
    };
    json!({"schema": "sealbench/1",
           "host": {"kernel": kernel, "cpus": 2, "exe_size_bytes": 12582912, "cpu_model": "Test CPU"},
           "plan": {"warmup": 1, "runs": {"fixed": 60}, "block": 1, "seed": 5},
           "results": [row("noclone", 1.0), row("memfd", 4.0 * memfd_scale)]})
}

fn write(dir: &TempDir, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.path(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

fn gate(baseline: &std::path::Path, current: &std::path::Path) -> std::process::Output {
    sealbench()
        .arg("gate")
        .arg("--baseline")
        .arg(baseline)
        .arg("--current")
        .arg(current)
        .output()
        .unwrap()
}

#[test]
fn gate_passes_a_file_against_itself() {
    let dir = TempDir::new("gate-self");
    let base = write(&dir, "base.json", &results("6.18.0", 1.0));
    let out = gate(&base, &base);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));
}

#[test]
fn gate_fails_on_a_40_percent_regression_and_names_it() {
    let dir = TempDir::new("gate-regress");
    let base = write(&dir, "base.json", &results("6.18.0", 1.0));
    let slow = write(&dir, "slow.json", &results("6.18.0", 1.4));
    let out = gate(&base, &slow);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("memfd")).unwrap();
    assert!(line.contains("regressed"), "{line}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("regression in exec-true/memfd"));
    // A 5% rise is within the default threshold.
    let fine = write(&dir, "fine.json", &results("6.18.0", 1.05));
    assert_eq!(gate(&base, &fine).status.code(), Some(0));
}

#[test]
fn gate_exits_2_on_malformed_foreign_and_disjoint_input() {
    let dir = TempDir::new("gate-bad");
    let base = write(&dir, "base.json", &results("6.18.0", 1.0));
    let malformed = dir.path("malformed.json");
    std::fs::write(&malformed, "{\"schema\": \"sealbench/1\", \"results\": [").unwrap();
    let foreign = write(
        &dir,
        "hyperfine.json",
        &json!({"results": [{"command": "true", "mean": 0.001}]}),
    );
    let mut disjoint = results("6.18.0", 1.0);
    for r in disjoint["results"].as_array_mut().unwrap() {
        r["strategy"] = json!(format!("other-{}", r["strategy"].as_str().unwrap()));
    }
    let disjoint = write(&dir, "disjoint.json", &disjoint);
    let missing = dir.path("missing.json");
    for bad in [&malformed, &foreign, &disjoint, &missing] {
        let out = gate(&base, bad);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            bad.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stderr).lines().count(),
            1,
            "one line: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn merge_of_two_hosts_keeps_both() {
    let dir = TempDir::new("merge");
    let a = write(&dir, "a.json", &results("5.15.0", 1.0));
    let b = write(&dir, "b.json", &results("6.8.0", 0.5));
    let out_json = dir.path("merged.json");
    let out = sealbench()
        .arg("merge")
        .arg(&a)
        .arg(&b)
        .arg("--export-json")
        .arg(&out_json)
        .arg("--plot")
        .arg(dir.path("plots"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("5.15.0") && table.contains("6.8.0"),
        "{table}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&out_json).unwrap()).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let memfd_ratio = |i: usize| runs[i]["results"][1]["ratio"]["value"].as_f64().unwrap();
    assert!((memfd_ratio(0) - 4.0).abs() < 0.01 && (memfd_ratio(1) - 2.0).abs() < 0.01);
    assert!(
        std::fs::metadata(dir.path("plots").join("merge.png"))
            .unwrap()
            .len()
            > 5_000
    );
}

#[test]
fn a_rise_over_the_threshold_fails_only_when_it_is_significant() {
    let dir = TempDir::new("gate-significance");
    let base = write(&dir, "base.json", &results("6.18.0", 1.0));
    // 30% over, measured tightly: its CI lies wholly above the 25% limit.
    let tight = write(&dir, "tight.json", &noisy_results("6.18.0", 1.3, 0.01));
    assert_eq!(gate(&base, &tight).status.code(), Some(1));
    // 30% over, but so noisy that the CI reaches below the limit: not a regression.
    let noisy = write(&dir, "noisy.json", &noisy_results("6.18.0", 1.3, 0.5));
    let out = gate(&base, &noisy);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("not significant"), "{stdout}");
}

#[test]
fn a_strategy_that_ran_in_the_baseline_and_fails_now_is_a_regression() {
    let dir = TempDir::new("gate-failed");
    let base = write(&dir, "base.json", &results("6.18.0", 1.0));
    let mut now = results("6.18.0", 1.0);
    now["results"][1] = json!({"strategy": "memfd", "workload": "exec-true", "status": "failed", "reason": "run 3: stage 2 exited with status 1"});
    let now = write(&dir, "now.json", &now);
    let out = gate(&base, &now);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("failed now"));
}
