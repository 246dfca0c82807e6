//! Every exporter, round-tripped: parse what it wrote and find the same numbers.

use super::*;
use crate::results::sample::analyzed;
use crate::results::Results;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn json_round_trips_exactly() {
    let r = analyzed();
    let back: Results = serde_json::from_slice(&JsonExporter.serialize(&r)).unwrap();
    assert_eq!(back, *r);
    let memfd = &back.results[1];
    let ratio = memfd.analysis.ratio.as_ref().unwrap();
    assert_eq!(ratio.reference, "noclone");
    assert!((ratio.value - 2.5).abs() < 1e-9, "{ratio:?}");
    assert!(ratio.ci95[0] <= ratio.value && ratio.value <= ratio.ci95[1]);
    assert_eq!(ratio.verdict, Some(crate::stats::Verdict::Slower));
    assert_eq!(memfd.analysis.tukey_outliers.map(|o| o.severe()), Some(0));
    assert_eq!(memfd.analysis.shared_rounds, Some(40));
}

#[test]
fn hyperfine_json_has_hyperfines_fields() {
    let r = analyzed();
    let v: serde_json::Value = serde_json::from_slice(&HyperfineExporter.serialize(&r)).unwrap();
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "only measured rows");
    assert_eq!(rows[1]["command"], "exec-true/memfd");
    for key in ["mean", "stddev", "median", "user", "system", "min", "max"] {
        let got = rows[1][key].as_f64().unwrap_or_else(|| panic!("{key}"));
        let want = match key {
            "mean" => r.results[1].analysis.mean,
            "stddev" => r.results[1].analysis.stddev,
            "median" => r.results[1].analysis.median,
            "user" => r.results[1].analysis.user,
            "system" => r.results[1].analysis.system,
            "min" => r.results[1].analysis.min,
            _ => r.results[1].analysis.max,
        };
        assert!(close(got, want.unwrap()), "{key}: {got}");
    }
    assert_eq!(rows[1]["times"].as_array().unwrap().len(), 40);
}

#[test]
fn csv_has_one_line_per_row_with_the_same_numbers() {
    let r = analyzed();
    let text = String::from_utf8(CsvExporter.serialize(&r)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), 4);
    let header: Vec<&str> = CSV_HEADER.split(',').collect();
    let memfd: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(memfd.len(), header.len());
    let col = |name: &str| {
        memfd[header.iter().position(|h| *h == name).unwrap()]
            .parse::<f64>()
            .unwrap()
    };
    assert!(close(col("median"), r.results[1].analysis.median.unwrap()));
    assert!(close(
        col("ratio"),
        r.results[1].analysis.ratio.as_ref().unwrap().value
    ));
    assert!(close(
        col("ci95_hi"),
        r.results[1].analysis.ci95_median.unwrap()[1]
    ));
    // The reason holds a comma, so it is quoted.
    assert!(
        lines[3].ends_with("\"fsopen(\"\"overlay\"\"): ENODEV, no overlay here\""),
        "{}",
        lines[3]
    );
}

#[test]
fn markdown_table_carries_the_numbers() {
    let r = analyzed();
    let text = String::from_utf8(MarkdownExporter.serialize(&r)).unwrap();
    let memfd = text
        .lines()
        .find(|l| l.starts_with("| exec-true | memfd |"))
        .unwrap();
    let cells: Vec<&str> = memfd.split('|').map(str::trim).collect();
    let median_ms: f64 = cells[3].parse().unwrap();
    assert!((median_ms - r.results[1].analysis.median.unwrap() * 1e3).abs() < 1e-3);
    assert!(cells[9].starts_with("2.500 ("), "{memfd}");
    assert_eq!(cells[10], "slower", "{memfd}");
    assert!(
        text.contains("| exec-true | overlayfs | unsupported: "),
        "{text}"
    );
    assert!(text.contains("Kernel 6.18.0-test, 2 CPUs"));
}

#[test]
fn benchstat_has_one_go_benchmark_line_per_run() {
    let r = analyzed();
    let text = String::from_utf8(BenchstatExporter.serialize(&r)).unwrap();
    let runs: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("BenchmarkExecTrue/memfd-2 "))
        .collect();
    assert_eq!(runs.len(), 40);
    let ns: Vec<u64> = runs
        .iter()
        .map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap())
        .collect();
    for (got, t) in ns.iter().zip(&r.results[1].times) {
        assert_eq!(*got, (t * 1e9).round() as u64);
    }
    assert!(runs.iter().all(|l| l.ends_with(" ns/op")));
    assert_eq!(bench_name("container-start"), "BenchmarkContainerStart");
}

#[test]
fn atomic_write_replaces_a_file_whole_and_leaves_no_temporary() {
    use std::os::unix::fs::MetadataExt;
    let dir = std::env::temp_dir().join(format!("sealbench-export-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("r.json");
    write_atomic(&good, b"good").unwrap();
    let before = std::fs::metadata(&good).unwrap().ino();
    write_atomic(&good, b"better").unwrap();
    // A new inode renamed into place, never the old file written over in place.
    assert_ne!(std::fs::metadata(&good).unwrap().ino(), before);
    assert_eq!(std::fs::read(&good).unwrap(), b"better");
    // A write that cannot land (onto a non-empty directory) fails and leaves no trace.
    let blocked = dir.join("blocked");
    std::fs::create_dir_all(blocked.join("inside")).unwrap();
    assert!(write_atomic(&blocked, b"x").is_err());
    assert!(blocked.join("inside").is_dir());
    // A path in a missing directory is refused before any run.
    assert!(check_writable(&dir.join("missing/r.json")).is_err());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["blocked", "r.json"], "no temporary left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}
