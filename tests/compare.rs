//! `sealbench compare` end to end, and what it leaves behind (nothing).

mod common;
use common::*;

#[test]
fn compare_all_runs_every_strategy_and_leaves_the_host_as_it_was() {
    if !root_or_skip("compare") {
        return;
    }
    let before = HostState::now();
    let dir = TempDir::new("compare-all");
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "all",
                "--runs",
                "10",
                "--warmup",
                "1",
                "--seed",
                "7",
                "-q",
            ])
            .arg("--export-json")
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "sealbench/1");
    assert!(v["host"]["kernel"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(v["host"]["exe_size_bytes"], 12 << 20);
    let rows = v["results"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["strategy"].as_str().unwrap())
        .collect();
    for want in ["noclone", "memfd", "memfd-bind", "bind-ro", "overlayfs"] {
        let row = rows
            .iter()
            .find(|r| r["strategy"] == want)
            .unwrap_or_else(|| panic!("{want} missing from {names:?}"));
        assert_eq!(row["status"], "ok", "{row}");
        assert_eq!(row["workload"], "exec-true");
        assert_eq!(row["runs"], 10);
        let times = row["times"].as_array().unwrap();
        assert_eq!(times.len(), 10);
        let (min, median, max) = (
            row["min"].as_f64().unwrap(),
            row["median"].as_f64().unwrap(),
            row["max"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= median && median <= max, "{row}");
    }
    assert_eq!(
        HostState::now(),
        before,
        "compare changed the host's mount table or /tmp"
    );
}

#[test]
fn unknown_strategy_is_a_usage_error_naming_the_valid_ones() {
    let out = sealbench()
        .args(["compare", "--strategies", "noclone,nosuch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nosuch") && err.contains("overlayfs"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn list_reports_every_strategy() {
    if !root_or_skip("list") {
        return;
    }
    let out = run_ok(sealbench().arg("list"));
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["noclone", "memfd", "memfd-bind", "bind-ro", "overlayfs"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("{name} not listed:\n{text}"));
        assert!(line.contains("supported"), "{line}");
    }
}
