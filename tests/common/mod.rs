//! Shared by the integration tests: they drive the real `sealbench` binary, as root, on
//! the real kernel.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn sealbench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sealbench"))
}

/// Privileged tests need root. Without it they say so and why, rather than pass silently.
pub fn root_or_skip(test: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        true
    } else {
        // Straight to fd 2: the test harness captures eprintln! of a passing test, and a
        // skip must be seen.
        let line = format!(
            "SKIPPED {test}: needs root (sealbench runs in a private mount namespace of its own)\n"
        );
        let _ = rustix::io::write(rustix::stdio::stderr(), line.as_bytes());
        false
    }
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run sealbench");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// A scratch directory of the test's own under target/, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        // Unique per call: tests of one binary run in parallel in one process.
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a run must leave as it found: the mount table, and sealbench's scratch names in /tmp.
#[derive(Debug, PartialEq)]
pub struct HostState {
    pub mounts: String,
    pub tmp: Vec<String>,
}

impl HostState {
    pub fn now() -> HostState {
        let mut tmp: Vec<String> = std::fs::read_dir("/tmp")
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("sealbench"))
            .collect();
        tmp.sort();
        HostState {
            mounts: std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
            tmp,
        }
    }
}

/// Tests that compare the host's state before and after must not overlap with tests that
/// change it for a moment (a runc container's cgroups), within one test binary.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// What stage 2 saw of itself, started from `strategy`'s sealed object by `workload`.
pub fn inspect(strategy: &str, workload: &str) -> serde_json::Value {
    json(&run_ok(sealbench().args([
        "inspect",
        "--strategy",
        strategy,
        "--workload",
        workload,
        "--exe-size",
        "4MiB",
    ])))
}

/// A `compare` run's results file, with `args` added to a quiet run.
pub fn compare_json(name: &str, args: &[&str]) -> serde_json::Value {
    let dir = TempDir::new(name);
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .arg("compare")
            .args(args)
            .args(["-q", "--export-json"])
            .arg(&out),
    );
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

/// A small valid results file (schema sealbench/1): noclone and memfd, 20 runs each,
/// paired in rounds. `edit` may change it before it is written to `path`.
pub fn write_results(path: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let row = |strategy: &str, scale: f64| {
        let times: Vec<f64> = (0..20)
            .map(|i| scale * (1.0e-3 + 1.0e-5 * f64::from((i * 7) % 13)))
            .collect();
        serde_json::json!({
            "strategy": strategy,
            "workload": "exec-true",
            "status": "ok",
            "runs": 20,
            "times": times,
            "rounds": (0..20).collect::<Vec<u32>>(),
        })
    };
    let mut v = serde_json::json!({
        "schema": "sealbench/1",
        "host": {"kernel": "6.18.0-test", "cpus": 2, "exe_size_bytes": 12582912},
        "results": [row("noclone", 1.0), row("memfd", 2.5)],
    });
    edit(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// Run sealbench and expect exit status `code`; returns (stdout, stderr).
pub fn expect_code(cmd: &mut Command, code: i32) -> (String, String) {
    let out = cmd.output().expect("run sealbench");
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}\nstdout: {o}\nstderr: {e}"
    );
    (o, e)
}

/// Cgroups named like the run's (`sealbench-…`; libcontainer's `:youki:sealbench-…`)
/// anywhere under /sys/fs/cgroup, in every hierarchy, v1 and v2, as the host sees them.
pub fn sealbench_cgroups() -> Vec<String> {
    fn walk(dir: &std::path::Path, depth: u32, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                // runc and crun name a container's cgroup by its id; libcontainer (youki,
                // full-start) as `:youki:<id>`.
                let name = e.file_name().to_string_lossy().into_owned();
                if name.trim_start_matches(":youki:").starts_with("sealbench") {
                    out.push(e.path().display().to_string());
                }
                if depth < 5 {
                    walk(&e.path(), depth + 1, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new("/sys/fs/cgroup"), 0, &mut out);
    out.sort();
    out
}
