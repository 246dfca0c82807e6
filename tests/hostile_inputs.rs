//! Issue 29, "safe as root, third pass": results files, runs and names made to hang a
//! reader, mislead a reader or take over the reader's terminal. Each test names its item.

mod common;
use common::*;
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far more than any of these commands needs when it is right; a hang is what it catches.
const HANG: Duration = Duration::from_secs(60);

/// Run `cmd` with its output in files of `dir` (a pipe nobody reads could block it), and
/// fail the test if it has not ended within [`HANG`]: (exit code, stdout, stderr).
fn run_bounded(cmd: &mut Command, dir: &TempDir) -> (Option<i32>, String, String) {
    let (out, err) = (dir.path("stdout"), dir.path("stderr"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("run sealbench");
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if began.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (status.code(), read(&out), read(&err))
}

/// A results file of `rows`, each `(strategy, scale)`: 20 paired starts of about
/// `scale` milliseconds on exec-true.
fn ok_row(strategy: &str, scale: f64) -> Value {
    let times: Vec<f64> = (0..20)
        .map(|i| scale * (1.0e-3 + 1.0e-5 * f64::from((i * 7) % 13)))
        .collect();
    json!({"strategy": strategy, "workload": "exec-true", "status": "ok", "runs": 20,
           "times": times, "rounds": (0..20).collect::<Vec<u32>>()})
}

fn results_file(dir: &TempDir, name: &str, rows: Vec<Value>) -> std::path::PathBuf {
    let v = json!({"schema": "sealbench/1",
                   "host": {"kernel": "6.18.0-test", "cpus": 2, "exe_size_bytes": 12582912},
                   "results": rows});
    let p = dir.path(name);
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    p
}

/// Item 5: 1 ok row and 200 000 failed ones took minutes in the duplicate check; now
/// refused at once as more rows than any run makes.
#[test]
fn a_file_of_very_many_rows_is_refused_at_once() {
    let dir = TempDir::new("many-rows");
    let mut rows = vec![ok_row("noclone", 1.0)];
    rows.extend((0..200_000).map(|i| {
        json!({"strategy": format!("s{i}"), "workload": "exec-true", "status": "failed",
               "reason": "x"})
    }));
    let file = results_file(&dir, "many.json", rows);
    let (code, _, err) = run_bounded(sealbench().arg("report").arg(&file), &dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("200001 rows, more than the 10000 rows"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Item 6: finite but extreme numbers (a reference of 10⁻³⁰⁰ s, making ratios near
/// 10³⁰⁰; a start of 10³⁰⁰ s; a phase of 10³⁰⁸ s) made `report --plot`, `--export-html`
/// and `plot` spin forever in plotters' axis code. No run makes them: each is refused
/// where the file is read, naming the row and field, and nothing is written.
#[test]
fn extreme_numbers_are_refused_on_load_not_drawn_forever() {
    let dir = TempDir::new("extreme");
    let mut phased = ok_row("memfd", 1.0);
    phased["phases_per_start"] = json!(vec![[1e308, 0.0, 0.0, 0.0, 0.0]; 20]);
    let cases = [
        (
            "tiny-reference",
            vec![ok_row("noclone", 1e-297), ok_row("memfd", 1.0)],
            "(exec-true/noclone): times[0] is 1e-300",
        ),
        (
            "huge-start",
            vec![ok_row("noclone", 1.0), ok_row("memfd", 1e300)],
            "(exec-true/memfd): times[0] is 1e297",
        ),
        (
            "huge-phase",
            vec![ok_row("noclone", 1.0), phased],
            "(exec-true/memfd): phases_per_start[0]",
        ),
    ];
    for (name, rows, problem) in cases {
        let file = results_file(&dir, &format!("{name}.json"), rows);
        let (charts, html) = (
            dir.path(&format!("{name}-charts")),
            dir.path(&format!("{name}.html")),
        );
        let commands: [Vec<&std::ffi::OsStr>; 3] = [
            vec![
                "report".as_ref(),
                file.as_os_str(),
                "--plot".as_ref(),
                charts.as_os_str(),
            ],
            vec![
                "report".as_ref(),
                file.as_os_str(),
                "--export-html".as_ref(),
                html.as_os_str(),
            ],
            vec![
                "plot".as_ref(),
                file.as_os_str(),
                "--out".as_ref(),
                charts.as_os_str(),
            ],
        ];
        for args in commands {
            let (code, _, err) = run_bounded(sealbench().args(&args), &dir);
            assert_eq!(code, Some(2), "{name} {args:?}: {err}");
            assert!(err.contains(problem), "{name} {args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{name} {args:?}: {err}");
        }
        assert!(!html.exists(), "{name}");
        assert!(
            !charts.exists() || std::fs::read_dir(&charts).unwrap().next().is_none(),
            "{name}"
        );
    }
}

/// Item 6, the axis itself: a sweep file with values of 10⁻³⁰⁰ and 10³⁰⁰ mounts made a
/// log axis of 600 decades, more than an f64 can count, and plotters' tick loop never
/// ended. The chart now refuses an axis it cannot draw, with exit 2.
#[test]
fn a_chart_refuses_an_axis_it_cannot_draw() {
    let dir = TempDir::new("sweep-axis");
    let row = |value: &str, value_num: f64| {
        let times: Vec<f64> = (0..10).map(|i| 1e-3 + 1e-5 * f64::from(i)).collect();
        json!({"strategy": "noclone", "workload": "exec-true", "value": value,
               "value_num": value_num, "status": "ok", "times": times,
               "rounds": (0..10).collect::<Vec<u32>>()})
    };
    let sweep = json!({"schema": "sealbench-sweep/1", "param": "host-mounts",
        "host": {"kernel": "6.18.0-test", "cpus": 2, "exe_size_bytes": 12582912},
        "plan": {"warmup": 1, "runs": {"fixed": 10}, "block": 1, "seed": 1, "passes": 1},
        "results": [row("tiny", 1e-300), row("huge", 1e300)]});
    let file = dir.path("sweep.json");
    std::fs::write(&file, serde_json::to_vec(&sweep).unwrap()).unwrap();
    let charts = dir.path("charts");
    let (code, _, err) = run_bounded(
        sealbench().arg("plot").arg(&file).arg("--out").arg(&charts),
        &dir,
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot draw") && err.contains("axis"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Item 10: two files of the same host (`results/exec-true.json` and
/// `container-start.json`) merged into one run of that host, the second file's rows
/// silently replacing the first's. Rows that do not clash are now kept together.
#[test]
fn merge_keeps_the_rows_of_two_files_of_one_host() {
    let dir = TempDir::new("merge-one-host");
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let out = dir.path("merged.json");
    let (code, table, err) = run_bounded(
        sealbench()
            .arg("merge")
            .arg(repo.join("exec-true.json"))
            .arg(repo.join("container-start.json"))
            .arg("--export-json")
            .arg(&out),
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one host");
    let rows: Vec<(String, String)> = runs[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("workload"), s("strategy"))
        })
        .collect();
    let rows_of = |f: &str| {
        let v: Value = serde_json::from_slice(&std::fs::read(repo.join(f)).unwrap()).unwrap();
        v["results"].as_array().unwrap().len()
    };
    assert_eq!(
        rows.len(),
        rows_of("exec-true.json") + rows_of("container-start.json"),
        "{rows:?}"
    );
    for (w, s) in [("exec-true", "memfd"), ("container-start", "runc")] {
        assert!(rows.contains(&(w.into(), s.into())), "{w}/{s}: {rows:?}");
        assert!(
            table.lines().any(|l| l.contains(w) && l.contains(s)),
            "{w}/{s}: {table}"
        );
    }
}

/// Item 10: rows that two files of one host both hold cannot both be kept: exit 2 naming
/// them, and nothing written.
#[test]
fn merge_refuses_rows_two_files_of_one_host_both_hold() {
    let dir = TempDir::new("merge-clash");
    let a = results_file(
        &dir,
        "a.json",
        vec![ok_row("noclone", 1.0), ok_row("memfd", 2.0)],
    );
    let b = results_file(
        &dir,
        "b.json",
        vec![
            ok_row("noclone", 1.0),
            ok_row("memfd", 3.0),
            ok_row("tmpfile", 2.5),
        ],
    );
    let out = dir.path("merged.json");
    let (code, _, err) = run_bounded(
        sealbench()
            .arg("merge")
            .arg(&a)
            .arg(&b)
            .arg("--export-json")
            .arg(&out),
        &dir,
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for what in ["b.json", "a.json", "exec-true/noclone", "exec-true/memfd"] {
        assert!(err.contains(what), "{what}: {err}");
    }
    assert!(!err.contains("tmpfile"), "{err}");
    assert!(!out.exists());
}

/// Item 11: `sweep --param concurrency … --runs 3` measures one round per cell, which a
/// bootstrap over rounds cannot resample; it printed `×1.922 (1.160–1.160)`, an interval
/// of zero width away from its own estimate. Now the cell says it has no interval, and
/// the export holds none.
#[test]
fn a_sweep_of_one_round_says_it_has_no_interval() {
    if !root_or_skip("the concurrency sweep") {
        return;
    }
    let dir = TempDir::new("sweep-one-round");
    let out = dir.path("sweep.json");
    let (code, table, err) = run_bounded(
        sealbench()
            .args(["sweep", "--param", "concurrency", "--values", "1,4"])
            .args([
                "--strategies",
                "noclone",
                "--runs",
                "3",
                "--seed",
                "1",
                "-q",
            ])
            .arg("--export-json")
            .arg(&out),
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    let growth = table
        .lines()
        .find(|l| l.contains('×'))
        .unwrap_or_else(|| panic!("no growth cell: {table}"));
    assert!(growth.contains("no CI: 1 round"), "{table}");
    assert!(table.contains("the same 1 interleaved round;"), "{table}");
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    for cell in v["results"].as_array().unwrap() {
        assert!(cell["ci95_median"].is_null(), "{cell}");
        assert!(cell["growth"]["ci95"].is_null(), "{cell}");
    }
}

/// A gate-shaped results file: noclone and memfd on exec-true in `passes` passes of 30
/// rounds, memfd `memfd` times noclone (each pass 0.5% off the next), made on `host`.
fn gate_run(host: Value, passes: u32, memfd: f64, command: Option<&str>) -> Value {
    let row = |strategy: &str, scale: f64| {
        let (mut times, mut rounds, mut pass) = (Vec::new(), Vec::new(), Vec::new());
        for p in 0..passes {
            let shift = if strategy == "noclone" {
                1.0
            } else {
                1.0 + 0.005 * (f64::from(p % 3) - 1.0)
            };
            for i in 0..30u32 {
                times.push(scale * shift * 1e-3 * (1.0 + 0.01 * f64::from((i * 7) % 13) / 6.0));
                rounds.push(p * 30 + i);
                pass.push(p);
            }
        }
        json!({"strategy": strategy, "workload": "exec-true", "status": "ok",
               "runs": times.len(), "times": times, "rounds": rounds, "passes": pass})
    };
    let mut v = json!({"schema": "sealbench/1", "host": host,
        "plan": {"warmup": 1, "runs": {"fixed": 30}, "block": 1, "seed": 5, "passes": passes},
        "results": [row("noclone", 1.0), row("memfd", memfd)]});
    if let Some(c) = command {
        v["command"] = json!(c);
    }
    v
}

fn host(kernel: &str, exe_size: u64, cpu: &str) -> Value {
    json!({"kernel": kernel, "cpus": 2, "exe_size_bytes": exe_size, "cpu_model": cpu})
}

/// Item 12: a current run made with other settings than its baseline was judged as if
/// its code had changed: a 12 MiB memfd copy against a 1 MiB baseline "regressed
/// +229.9%", exit 1. What changes what is measured must match, or exit 2 naming it.
#[test]
fn the_gate_refuses_runs_made_with_other_settings() {
    let dir = TempDir::new("gate-settings");
    let write = |name: &str, v: &Value| {
        let p = dir.path(name);
        std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
        p
    };
    let compare = "sealbench compare --strategies noclone,memfd --repeat 5 --seed 5";
    let this = || host("6.18.0-test", 1 << 20, "Test CPU");
    let base = write("base.json", &gate_run(this(), 5, 2.0, Some(compare)));
    let gate = |current: &std::path::Path| {
        run_bounded(
            sealbench()
                .args(["gate", "--baseline"])
                .arg(&base)
                .arg("--current")
                .arg(current),
            &dir,
        )
    };
    // The same settings, the same ratios: a pass, as before.
    let same = write("same.json", &gate_run(this(), 3, 2.0, Some(compare)));
    let (code, out, err) = gate(&same);
    assert_eq!(code, Some(0), "{out}{err}");

    let with_bundle = format!("{compare} --bundle /srv/bundles/big");
    let mut other_workload = gate_run(this(), 3, 2.0, Some(compare));
    for row in other_workload["results"].as_array_mut().unwrap() {
        row["workload"] = json!("container-start");
    }
    let cases = [
        (
            gate_run(
                host("6.18.0-test", 12 << 20, "Test CPU"),
                3,
                6.6,
                Some(compare),
            ),
            "exe size 12.0 MiB (baseline 1.0 MiB)",
        ),
        (
            gate_run(
                host("6.8.0-other", 1 << 20, "Test CPU"),
                3,
                2.0,
                Some(compare),
            ),
            "kernel 6.8.0-other (baseline 6.18.0-test)",
        ),
        (
            gate_run(
                host("6.18.0-test", 1 << 20, "Other CPU"),
                3,
                2.0,
                Some(compare),
            ),
            "CPU model Other CPU (baseline Test CPU)",
        ),
        (
            gate_run(this(), 3, 2.0, Some(&with_bundle)),
            "bundle /srv/bundles/big (baseline the run's own)",
        ),
        (
            other_workload,
            "workloads container-start (baseline exec-true)",
        ),
    ];
    for (i, (current, difference)) in cases.iter().enumerate() {
        let current = write(&format!("current-{i}.json"), current);
        let (code, out, err) = gate(&current);
        assert_eq!(code, Some(2), "{difference}: {out}{err}");
        assert!(err.contains(difference), "{difference}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.is_empty(), "no verdicts: {out}");
    }
}

/// Item 12, passes made now: a baseline of another kernel is refused before the run.
#[test]
fn the_gate_refuses_to_rerun_a_baseline_of_another_machine() {
    let dir = TempDir::new("gate-rerun-settings");
    let base = dir.path("base.json");
    let other = host("2.6.32-elsewhere", 12 << 20, "Test CPU");
    std::fs::write(
        &base,
        serde_json::to_vec(&gate_run(other, 5, 2.0, None)).unwrap(),
    )
    .unwrap();
    let began = Instant::now();
    let (code, _, err) = run_bounded(sealbench().args(["gate", "--baseline"]).arg(&base), &dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("kernel ") && err.contains("(baseline 2.6.32-elsewhere)"),
        "{err}"
    );
    assert!(!err.contains("gate pass"), "refused before any pass: {err}");
    assert!(began.elapsed() < HANG);
}

/// Sets the terminal's title, then clears its screen; then a script tag, and a
/// right-to-left override that shows `exe.png` as `gnp.exe`'s mirror.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J<script>alert(1)</script>\u{202e}gnp.exe";

/// What no text for a terminal, or for a Markdown page, may hold raw.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| (c.is_control() && !matches!(c, '\n' | '\t')) || *c == '\u{202e}')
        .collect()
}

/// Item 15: names from a results file went raw to the terminal (a title set and the
/// screen cleared), to Markdown (`<script>`, U+202E) and to CSV (`=HYPERLINK(…)`, a
/// formula a spreadsheet runs). Now escaped for each, and the HTML report still escapes.
#[test]
fn hostile_names_are_shown_not_obeyed() {
    let dir = TempDir::new("hostile-names");
    let mut failed = ok_row("@SUM(1)", 1.0);
    failed["status"] = json!("failed");
    failed["reason"] = json!("+cmd|' /C calc'!A0\u{1b}[2J");
    let rows = vec![
        ok_row("noclone", 1.0),
        ok_row(HOSTILE, 2.0),
        ok_row("=HYPERLINK(\"http://x.example\",\"y\")", 1.5),
        ok_row("-2+3", 1.2),
        failed,
    ];
    let file = results_file(&dir, "hostile.json", rows.clone());
    let (md, csv, html) = (dir.path("r.md"), dir.path("r.csv"), dir.path("r.html"));
    let (code, out, err) = run_bounded(
        sealbench()
            .arg("report")
            .arg(&file)
            .arg("--export-markdown")
            .arg(&md)
            .arg("--export-csv")
            .arg(&csv)
            .arg("--export-html")
            .arg(&html),
        &dir,
    );
    assert_eq!(code, Some(0), "{err}");
    for text in [&out, &err] {
        assert!(raw_controls(text).is_empty(), "{text:?}");
    }
    assert!(out.contains(r"\u{1b}]0;pwned\u{7}\u{1b}[2J"), "{out}");
    assert!(out.contains(r"\u{202e}gnp.exe"), "{out}");

    let md = std::fs::read_to_string(&md).unwrap();
    assert!(raw_controls(&md).is_empty(), "{md:?}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
    assert!(md.contains(r"\u{202e}gnp.exe"), "{md}");

    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let formula = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    for r in &records {
        for col in [0, 1, r.len() - 1] {
            assert!(!formula(&r[col]), "a formula cell: {:?}", &r[col]);
        }
    }
    assert_eq!(&records[2][1], "'=HYPERLINK(\"http://x.example\",\"y\")");
    assert_eq!(&records[3][1], "'-2+3");
    assert_eq!(&records[4][1], "'@SUM(1)");
    assert!(records[4][records[4].len() - 1].starts_with("'+cmd"));
    // Numbers are numbers still, never quoted away.
    assert!(records[1][4].parse::<f64>().is_ok(), "{:?}", &records[1]);

    let html = std::fs::read_to_string(&html).unwrap();
    assert!(
        !html.contains("<script>alert"),
        "the HTML report escapes as before"
    );

    // A refusal that names a hostile row is escaped as well.
    let mut twice = rows;
    twice.push(ok_row(HOSTILE, 2.0));
    let file = results_file(&dir, "twice.json", twice);
    let (code, _, err) = run_bounded(sealbench().arg("report").arg(&file), &dir);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("appears twice"), "{err}");
    assert!(raw_controls(&err).is_empty(), "{err:?}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
