//! `compare` writes every export and both chart formats; `report` reproduces them from
//! the saved JSON without re-running.

mod common;
use common::*;

const EXPORTS: [(&str, &str); 5] = [
    ("--export-json", "r.json"),
    ("--export-hyperfine-json", "h.json"),
    ("--export-markdown", "r.md"),
    ("--export-csv", "r.csv"),
    ("--export-benchstat", "b.txt"),
];

#[test]
fn report_reproduces_every_export_of_a_compare_run() {
    if !root_or_skip("report") {
        return;
    }
    let dir = TempDir::new("report");
    let mut compare = sealbench();
    compare.args([
        "compare",
        "--strategies",
        "noclone,memfd,overlayfs",
        "--runs",
        "8",
        "--warmup",
        "1",
        "-q",
    ]);
    for (flag, file) in EXPORTS {
        compare.arg(flag).arg(dir.path(&format!("run-{file}")));
    }
    compare.arg("--plot").arg(dir.path("run-plots"));
    run_ok(&mut compare);

    let mut report = sealbench();
    report.arg("report").arg(dir.path("run-r.json"));
    for (flag, file) in EXPORTS {
        report.arg(flag).arg(dir.path(&format!("report-{file}")));
    }
    report.arg("--plot").arg(dir.path("report-plots"));
    let out = run_ok(&mut report);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout
        .split("Summary (exec-true)")
        .nth(1)
        .unwrap_or_else(|| panic!("a hyperfine-style summary: {stdout}"));
    // Fastest first: every row, with its ratio to noclone in ascending order.
    let ratios: Vec<f64> = summary
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| {
            let mut words = l.split_whitespace();
            let _name = words.next();
            words.next().and_then(|r| r.parse().ok()).expect(l)
        })
        .collect();
    assert_eq!(ratios.len(), 3, "{summary}");
    assert!(ratios.windows(2).all(|w| w[0] <= w[1]), "{summary}");

    for (_, file) in EXPORTS {
        let a = std::fs::read(dir.path(&format!("run-{file}"))).unwrap();
        let b = std::fs::read(dir.path(&format!("report-{file}"))).unwrap();
        assert!(!a.is_empty(), "{file} is empty");
        assert!(a == b, "{file} differs between compare and report");
    }
    for chart in [
        "ratios.svg",
        "ratios.png",
        "medians.svg",
        "medians.png",
        "distribution.svg",
        "distribution.png",
    ] {
        for run in ["run-plots", "report-plots"] {
            let bytes = std::fs::read(dir.path(run).join(chart)).unwrap_or_default();
            if chart.ends_with(".svg") {
                let text = String::from_utf8_lossy(&bytes);
                for s in ["noclone", "memfd", "overlayfs"] {
                    assert!(text.contains(s), "{run}/{chart} does not name {s}");
                }
            } else {
                let img = image::load_from_memory(&bytes).expect("a PNG");
                let first = img.to_rgb8().get_pixel(0, 0).0;
                let drawn = img.to_rgb8().pixels().filter(|p| p.0 != first).count();
                assert!(drawn > 10_000, "{run}/{chart}: only {drawn} pixels drawn");
            }
        }
    }
}

#[test]
fn report_names_the_line_and_column_of_a_malformed_file() {
    let dir = TempDir::new("report-bad");
    let bad = dir.path("bad.json");
    std::fs::write(&bad, "{\"schema\": \"sealbench/1\",\n  \"host\": [oops]\n}").unwrap();
    let out = sealbench().arg("report").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2 column"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    std::fs::write(&bad, "{\"schema\": \"sealbench/9\", \"results\": []}").unwrap();
    let out = sealbench().arg("report").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer"));
}

/// A reference the file lacks: the strategies it has are named once each, though each
/// ran under several workloads.
#[test]
fn a_missing_reference_names_each_strategy_once() {
    let dir = TempDir::new("report-reference");
    let file = dir.path("r.json");
    write_results(&file, |v| {
        let rows = v["results"].as_array().unwrap().clone();
        for mut row in rows {
            row["workload"] = "container-start".into();
            v["results"].as_array_mut().unwrap().push(row);
        }
    });
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&file)
            .args(["--reference", "nosuch"]),
        2,
    );
    assert!(err.contains("(it has: noclone, memfd)"), "{err}");
}
