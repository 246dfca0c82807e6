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
                "--repeat",
                "1",
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
        assert!(
            line.contains(" supported") && !line.contains("unsupported"),
            "{line}"
        );
    }
}

/// The comparison core's promise: in time-budget mode every row runs the same rounds as
/// its reference, and the ratio a row prints is its median over the reference's, both over
/// those rounds. `--warmup 0` works with a budget.
#[test]
fn every_row_runs_the_same_rounds_and_its_ratio_is_its_median_over_the_reference() {
    if !root_or_skip("compare equal rounds") {
        return;
    }
    let dir = TempDir::new("compare-rounds");
    let out = dir.path("r.json");
    for warmup in ["0", "2"] {
        let run = run_ok(
            sealbench()
                .args([
                    "compare",
                    "--strategies",
                    "noclone,memfd,overlayfs,open-tree",
                ])
                .args([
                    "--repeat",
                    "1",
                    "--time-budget",
                    "0.3",
                    "--min-runs",
                    "10",
                    "--warmup",
                    warmup,
                    "-q",
                ])
                .arg("--export-json")
                .arg(&out),
        );
        let table = String::from_utf8_lossy(&run.stdout);
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let rows = v["results"].as_array().unwrap();
        let rounds_of = |r: &serde_json::Value| -> Vec<u64> {
            let mut v: Vec<u64> = r["rounds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap())
                .collect();
            v.sort_unstable();
            v
        };
        let reference = rows.iter().find(|r| r["strategy"] == "noclone").unwrap();
        let ref_rounds = rounds_of(reference);
        // A budget of 0.3 s per strategy is far more than 10 rounds of ~1-10 ms starts.
        assert!(
            ref_rounds.len() > 10,
            "warmup {warmup}: the budget was ignored: {} rounds",
            ref_rounds.len()
        );
        for r in rows {
            assert_eq!(r["status"], "ok", "{r}");
            assert_eq!(
                rounds_of(r),
                ref_rounds,
                "{} ran other rounds",
                r["strategy"]
            );
            assert_eq!(
                r["shared_rounds"].as_u64().unwrap() as usize,
                ref_rounds.len()
            );
            let ratio = r["ratio"]["value"].as_f64().unwrap();
            let own = r["median"].as_f64().unwrap() / reference["median"].as_f64().unwrap();
            assert_eq!(format!("{ratio:.3}"), format!("{own:.3}"), "{r}");
            let [lo, hi] = [
                r["ratio"]["ci95"][0].as_f64().unwrap(),
                r["ratio"]["ci95"][1].as_f64().unwrap(),
            ];
            assert!(lo <= ratio && ratio <= hi, "{r}");
            if r["strategy"] != "noclone" {
                let printed = format!("{ratio:.3} ({lo:.3}–{hi:.3})");
                assert!(table.contains(&printed), "{printed} not in\n{table}");
            }
        }
    }
}

/// `--repeat`: independent passes, kept in the file, with a between-pass interval.
#[test]
fn repeat_keeps_its_passes_and_gives_a_between_pass_interval() {
    if !root_or_skip("compare --repeat") {
        return;
    }
    let dir = TempDir::new("compare-repeat");
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone,overlayfs",
                "--runs",
                "15",
                "--warmup",
                "1",
            ])
            .args(["--repeat", "3", "-q", "--export-json"])
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["plan"]["passes"], 3);
    let row = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == "overlayfs")
        .unwrap();
    let passes: Vec<u64> = row["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    assert_eq!(passes.len(), 45);
    for p in 0..3 {
        assert_eq!(passes.iter().filter(|x| **x == p).count(), 15, "pass {p}");
    }
    let between = &row["ratio"]["passes"];
    assert_eq!(between["values"].as_array().unwrap().len(), 3, "{row}");
    let (lo, mean, hi) = (
        between["ci95"][0].as_f64().unwrap(),
        between["mean"].as_f64().unwrap(),
        between["ci95"][1].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi, "{between}");
}

/// `--phases`: where the time goes, from moments the driver sees; counters from wait4.
/// memfd's extra cost is its copy: it shows in the seal phase and in minor faults. The
/// reference also runs without phases, so the instrumentation's cost is printed.
#[test]
fn phases_and_counters_show_where_memfds_cost_goes() {
    if !root_or_skip("--phases") {
        return;
    }
    let dir = TempDir::new("phases");
    let json_path = dir.path("p.json");
    let out = run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone,memfd,overlayfs",
                "--runs",
                "40",
                "--phases",
                "-q",
            ])
            .arg("--export-json")
            .arg(&json_path),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Where the time goes"), "{text}");
    assert!(
        text.contains("with phases over noclone-unphased without"),
        "{text}"
    );
    assert!(text.contains("5 clock reads per start"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let rows = v["results"].as_array().unwrap();
    let row = |s: &str| {
        rows.iter()
            .find(|r| r["strategy"] == s)
            .unwrap_or_else(|| panic!("no {s}"))
    };
    for s in ["noclone", "memfd", "overlayfs"] {
        let r = row(s);
        let p = &r["phases"];
        let sum: f64 = ["seal", "spawn", "run", "reap", "teardown"]
            .iter()
            .map(|k| {
                p[k].as_f64()
                    .unwrap_or_else(|| panic!("{s}: no {k} phase: {r}"))
            })
            .sum();
        let median = r["median"].as_f64().unwrap();
        // The phases of a typical start add up to the mean of its middle tenth, close to the
        // median; loosely bounded here, since a loaded machine skews the whole.
        assert!(
            (sum / median - 1.0).abs() < 0.2,
            "{s}: phases sum {sum} against median {median}"
        );
        assert_eq!(
            r["phases_per_start"].as_array().unwrap().len(),
            r["times"].as_array().unwrap().len()
        );
        for k in [
            "minor_faults",
            "major_faults",
            "voluntary_switches",
            "involuntary_switches",
        ] {
            assert!(r["counters"][k].is_number(), "{s}: no {k}: {r}");
        }
    }
    let phase = |s: &str, k: &str| row(s)["phases"][k].as_f64().unwrap();
    assert!(
        phase("memfd", "seal") > 10.0 * phase("noclone", "seal"),
        "memfd's copy is not in its seal phase"
    );
    // Freeing the copy's shmem pages is memfd's second cost.
    assert!(
        phase("memfd", "teardown") > 10.0 * phase("noclone", "teardown"),
        "no freeing in memfd's teardown"
    );
    // Every start faults its pages in; the counts are exact, so they are never zero.
    for s in ["noclone", "memfd", "overlayfs"] {
        assert!(
            row(s)["counters"]["minor_faults"].as_f64().unwrap() > 0.0,
            "{s}"
        );
    }
    assert_eq!(row("noclone-unphased")["status"], "ok");
    assert!(
        row("noclone-unphased")["phases"].is_null(),
        "the unphased twin has no phases"
    );
    // The runtime-peer and hardware-counter answers are in the file too.
    assert!(v["host"]["hardware_counters"]
        .as_str()
        .is_some_and(|s| s.starts_with("available") || s.starts_with("unavailable: ")));
    assert!(
        v["command"].as_str().unwrap().contains("--seed"),
        "{}",
        v["command"]
    );
}

/// The default table fits the width it is given, draws no box characters into a pipe, and
/// `--wide` shows every figure.
#[test]
fn the_table_fits_columns_and_is_plain_when_piped() {
    if !root_or_skip("table width") {
        return;
    }
    let dir = TempDir::new("table-width");
    let json = dir.path("r.json");
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "all",
                "--runs",
                "4",
                "--repeat",
                "2",
                "-q",
            ])
            .arg("--export-json")
            .arg(&json),
    );
    let shown = |columns: Option<&str>, extra: &[&str]| {
        let mut cmd = sealbench();
        match columns {
            Some(c) => cmd.env("COLUMNS", c),
            None => cmd.env_remove("COLUMNS"),
        };
        let out = run_ok(cmd.arg("report").arg(&json).args(extra));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = shown(Some("100"), &[]);
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest <= 100, "a line of {widest} characters:\n{text}");
    assert!(
        !text.chars().any(|c| ('\u{2500}'..='\u{257f}').contains(&c)),
        "box-drawing characters in a pipe:\n{text}"
    );
    assert!(!text.contains('\u{1b}'), "colour in a pipe");
    for name in ["noclone", "memfd", "overlayfs", "bind-ro-host"] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(!text.contains("mean ± σ"), "the default view is narrow");
    // Unbounded (a pipe, no COLUMNS): every column whole.
    let wide = shown(None, &["--wide"]);
    for column in [
        "mean ± σ",
        "min",
        "max",
        "this run's interval",
        "minor faults",
    ] {
        assert!(wide.contains(column), "--wide lacks {column}:\n{wide}");
    }
}
