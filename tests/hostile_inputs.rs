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
    assert!(err.contains("200001 rows, more than the 10000 rows"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
