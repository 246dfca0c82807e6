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
    let median_ms: f64 = cells[3].strip_suffix(" ms").unwrap().parse().unwrap();
    assert!((median_ms - r.results[1].analysis.median.unwrap() * 1e3).abs() < 1e-3);
    assert!(cells[4].starts_with("2.500 ("), "{memfd}");
    assert_eq!(cells[5], "slower", "{memfd}");
    assert!(
        text.contains("| exec-true | overlayfs | unsupported: "),
        "{text}"
    );
    assert!(text.contains("Kernel 6.18.0-test, 2 CPUs"));
}

/// Three passes of 10 rounds: noclone, memfd (which lost rounds 3 and 17 to timeouts),
/// and a runtime whose name holds a space.
fn three_passes() -> crate::results::Analyzed {
    use crate::results::{Entry, Kind, Status};
    let mut r = crate::results::sample::sample();
    let row = |strategy: &str, scale: f64, lost: &[u32]| {
        let rounds: Vec<u32> = (0..30).filter(|i| !lost.contains(i)).collect();
        let times = rounds
            .iter()
            .map(|i| {
                scale * 1e-3 * (1.0 + 0.02 * f64::from(i / 10) + 1e-3 * f64::from((i * 7) % 11))
            })
            .collect();
        Entry {
            strategy: strategy.into(),
            workload: "exec-true".into(),
            status: Status::Ok,
            runs: rounds.len() as u32,
            passes: rounds.iter().map(|i| i / 10).collect(),
            rounds,
            times,
            ..Entry::default()
        }
    };
    r.results = vec![
        row("noclone", 1.0, &[]),
        row("memfd", 2.5, &[3, 17]),
        Entry {
            kind: Kind::Runtime,
            ..row("my runtime", 1.2, &[])
        },
    ];
    crate::results::analyze(r, "noclone")
}

/// One result line of the Go benchmark format.
struct GoResult {
    name: String,
    iterations: i64,
    /// Value/unit pairs.
    values: Vec<(f64, String)>,
}

/// The Go benchmark format's grammar, as golang.org/design/14313-benchmark-format gives it
/// and golang.org/x/perf/benchfmt reads it: a result line begins with "Benchmark"; its
/// fields, split at runs of space, are the name, an iteration count (an integer), then
/// one or more value/unit pairs (a float, then a unit); so an even number, at least four.
fn benchmark_line(line: &str) -> std::result::Result<GoResult, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if !fields[0].starts_with("Benchmark") {
        return Err(format!("not a benchmark line: {line}"));
    }
    if fields.len() < 4 || !fields.len().is_multiple_of(2) {
        return Err(format!("{} fields: {line}", fields.len()));
    }
    let iterations: i64 = fields[1]
        .parse()
        .map_err(|e| format!("iterations {:?}: {e}", fields[1]))?;
    let pairs = fields[2..]
        .chunks(2)
        .map(|p| {
            let v: f64 = p[0].parse().map_err(|e| format!("value {:?}: {e}", p[0]))?;
            Ok((v, p[1].to_string()))
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    Ok(GoResult {
        name: fields[0].to_string(),
        iterations,
        values: pairs,
    })
}

/// A configuration line: `key: value`, the key beginning with a lower-case letter and
/// holding no space or upper-case letter, space after the colon, no newline in the value.
fn configuration_line(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let first = key.chars().next()?;
    let key_ok =
        first.is_lowercase() && !key.chars().any(|c| c.is_whitespace() || c.is_uppercase());
    let spaced = value.is_empty() || value.starts_with([' ', '\t']);
    (key_ok && spaced && !value.contains('\n')).then(|| (key, value.trim_start()))
}

#[test]
fn benchstat_writes_one_go_benchmark_line_per_pass_in_the_documented_grammar() {
    let r = three_passes();
    let text = String::from_utf8(BenchstatExporter.serialize(&r)).unwrap();
    let mut lines: Vec<GoResult> = Vec::new();
    let mut config = Vec::new();
    for line in text.lines() {
        if line.starts_with("Benchmark") {
            lines.push(benchmark_line(line).unwrap_or_else(|e| panic!("{e}")));
        } else if let Some((k, v)) = configuration_line(line) {
            config.push((k.to_string(), v.to_string()));
        } else {
            // Anything else is ignored by the format; only comments are written.
            assert!(
                line.starts_with('#'),
                "a line benchstat would drop: {line:?}"
            );
        }
    }
    let keys: Vec<&str> = config.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["goos", "goarch", "pkg", "cpu"]);
    // One line per pass per row; a name with a space is still one field.
    let named = |n: &str| lines.iter().filter(|l| l.name == n).count();
    assert_eq!(named("BenchmarkExecTrue/noclone-2"), 3);
    assert_eq!(named("BenchmarkExecTrue/memfd-2"), 3);
    assert_eq!(named("BenchmarkExecTrue/my_runtime-2"), 3);
    for GoResult {
        name,
        values: pairs,
        ..
    } in &lines
    {
        assert!(
            name["Benchmark".len()..].starts_with(char::is_uppercase),
            "{name}"
        );
        let procs = name.rsplit_once('-').map(|(_, n)| n.parse::<u32>());
        assert_eq!(procs, Some(Ok(2)), "{name}: the -N suffix");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].1, "ns/op");
    }
    // memfd's lines: each pass's median over the rounds it shares with noclone (all its
    // own, since it is the one that lost rounds), over that many starts.
    let memfd = &r.results[1];
    let want: Vec<(i64, u64)> = (0..3)
        .map(|p| {
            let pass: Vec<f64> = memfd
                .times
                .iter()
                .zip(&memfd.passes)
                .filter(|(_, q)| **q == p)
                .map(|(t, _)| *t)
                .collect();
            (
                pass.len() as i64,
                (crate::stats::median(&pass) * 1e9).round() as u64,
            )
        })
        .collect();
    let got: Vec<(i64, u64)> = lines
        .iter()
        .filter(|l| l.name == "BenchmarkExecTrue/memfd-2")
        .map(|l| (l.iterations, l.values[0].0 as u64))
        .collect();
    assert_eq!(got, want);
    assert_eq!(want.iter().map(|w| w.0).collect::<Vec<_>>(), [9, 9, 10]);
    // A run of one pass: one line per measured row.
    let one = String::from_utf8(BenchstatExporter.serialize(&analyzed())).unwrap();
    assert_eq!(
        one.lines().filter(|l| l.starts_with("Benchmark")).count(),
        2
    );
    assert_eq!(bench_name("container-start"), "BenchmarkContainerStart");
}

#[test]
fn the_grammar_check_refuses_what_benchstat_would() {
    assert!(benchmark_line("BenchmarkX-2 1 5 ns/op").is_ok());
    assert!(
        benchmark_line("BenchmarkX-2 1 5").is_err(),
        "a value without a unit"
    );
    assert!(
        benchmark_line("BenchmarkX-2 1.5 5 ns/op").is_err(),
        "a fractional count"
    );
    assert!(
        benchmark_line("BenchmarkX/a b-2 1 5 ns/op").is_err(),
        "a space in the name"
    );
    assert!(configuration_line("goos: linux").is_some());
    assert!(configuration_line("Goos: linux").is_none());
    assert!(configuration_line("go os: linux").is_none());
    assert!(configuration_line("goos:linux").is_none());
}

#[test]
fn hyperfine_times_are_the_rounds_shared_with_the_reference() {
    let r = three_passes();
    let v: serde_json::Value = serde_json::from_slice(&HyperfineExporter.serialize(&r)).unwrap();
    let rows = v["results"].as_array().unwrap();
    let times = |i: usize| -> Vec<f64> {
        rows[i]["times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_f64().unwrap())
            .collect()
    };
    // noclone ran 30 rounds, memfd 28: noclone's row is its own reference (all 30); the
    // runtime's row shares all 30 with it.
    assert_eq!(times(0).len(), 30);
    assert_eq!(times(1).len(), 28);
    for (i, e) in r.results.iter().enumerate() {
        let t = times(i);
        assert_eq!(t.len() as u32, e.runs, "{}", e.strategy);
        assert_eq!(rows[i]["exit_codes"].as_array().unwrap().len(), t.len());
        let m = crate::stats::median(&t);
        assert!(close(m, e.analysis.median.unwrap()), "{}: {m}", e.strategy);
        assert!(close(rows[i]["median"].as_f64().unwrap(), m));
    }
    // A reference that lost rounds: every other row drops them too.
    let mut lossy = three_passes().into_results();
    lossy.results.swap(0, 1);
    let lossy = crate::results::analyze(lossy, "memfd");
    let v: serde_json::Value =
        serde_json::from_slice(&HyperfineExporter.serialize(&lossy)).unwrap();
    for row in v["results"].as_array().unwrap() {
        assert_eq!(
            row["times"].as_array().unwrap().len(),
            28,
            "{}",
            row["command"]
        );
    }
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
