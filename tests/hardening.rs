//! sealbench runs as root, mounts and forks thousands of processes: interrupted at any
//! point, it leaves nothing behind, and bad input gets one line and a documented status.

mod common;
use common::*;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Everything a run could leave behind, as seen from the host.
#[derive(Debug, PartialEq)]
struct Footprint {
    mounts: String,
    tmp: Vec<String>,
    run: Vec<String>,
    processes: Vec<String>,
    cgroups: Vec<String>,
    loops: Vec<String>,
}

/// What the daemonizing fake runtime's background processes carry on their command line.
const DAEMON_MARK: &str = "474747";

/// Loop devices in use, by their backing file.
fn loop_devices() -> Vec<String> {
    let mut v: Vec<String> = listing("/sys/block")
        .into_iter()
        .filter(|d| d.starts_with("loop"))
        .filter_map(|d| std::fs::read_to_string(format!("/sys/block/{d}/loop/backing_file")).ok())
        .collect();
    v.sort();
    v
}

fn listing(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Processes running sealbench or its stage 2.
fn sealbench_processes() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut v: Vec<String> = listing("/proc")
        .into_iter()
        .filter(|p| p.chars().all(|c| c.is_ascii_digit()) && *p != me)
        .filter_map(|p| {
            let cmd = std::fs::read(format!("/proc/{p}/cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            (cmd.contains("target/release/sealbench")
                || cmd.contains(DAEMON_MARK)
                || cmd.starts_with("sealbench-stage2")
                || cmd.starts_with("--")
                || cmd.contains(" sealbench-"))
            .then(|| format!("{p}: {cmd}"))
        })
        .collect();
    v.sort();
    v
}

fn footprint() -> Footprint {
    Footprint {
        mounts: std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        tmp: listing("/tmp"),
        run: ["/run", "/run/runc", "/run/crun"]
            .iter()
            .flat_map(|d| listing(d).into_iter().map(move |e| format!("{d}/{e}")))
            .collect(),
        processes: sealbench_processes(),
        cgroups: sealbench_cgroups(),
        loops: loop_devices(),
    }
}

/// Wait up to `within` for the footprint to come back to `before`.
fn settles_to(before: &Footprint, within: Duration) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let now = footprint();
        if &now == before {
            return Ok(());
        }
        if start.elapsed() > within {
            return Err(format!("left behind: {now:#?}\nbefore: {before:#?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// With the runtime peers too: runc and crun are killed mid-`run` by their death signal
/// and would leave their per-container cgroups (outside the run's namespace) but for the
/// janitor.
#[test]
fn interrupted_at_random_points_by_sigint_sigterm_and_sigkill_it_leaves_nothing() {
    let _serial = serial();
    if !root_or_skip("interruption") {
        return;
    }
    let peers = ["runc", "crun"].iter().all(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok()
    });
    assert!(
        peers,
        "runc and crun are not installed: scripts/setup.sh installs them"
    );
    let dir = TempDir::new("interrupt");
    let export = dir.path("r.json");
    std::fs::write(&export, "GOOD").unwrap();
    // A runtime that leaves processes in the background, one of them in a session of its
    // own, on every start: killed with the run wherever the run is interrupted.
    let rt_dir = TempDir::new("interrupt-rt");
    let daemon = rt_dir.path("daemon-rt");
    std::fs::write(
        &daemon,
        format!(
            "#!/bin/sh\ncase \"$*\" in *--version*) echo daemon 1; exit 0;; esac\n\
             sleep {DAEMON_MARK}1 &\nsetsid sleep {DAEMON_MARK}2 &\nexit 0\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&daemon, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = footprint();
    assert!(
        before.cgroups.is_empty(),
        "cgroups left before the test: {:?}",
        before.cgroups
    );
    let mut state: u64 = 0x5eed_1234_abcd;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..30 {
        let signal = [libc::SIGINT, libc::SIGTERM, libc::SIGKILL][i % 3];
        let delay = Duration::from_millis(100 + next() % 2900);
        let mut child = sealbench()
            .args([
                "compare",
                "--strategies",
                "all",
                "--workload",
                "all",
                "--runtimes",
                "runc,crun,youki",
                "--runtime",
                &format!("daemon={}", daemon.display()),
                "--time-budget",
                "1",
                "--warmup",
                "1",
                "-q",
                "--export-json",
            ])
            .arg(&export)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let sent = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "run {i}: still running 5 s after signal {signal}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        use std::os::unix::process::ExitStatusExt;
        match (signal, status.code(), status.signal()) {
            (_, Some(0), _) => {} // it had finished before the signal
            (libc::SIGINT, Some(130), _)
            | (libc::SIGTERM, Some(143), _)
            | (libc::SIGKILL, None, Some(9)) => {}
            other => panic!("run {i}: signal {signal} gave {other:?}"),
        }
        settles_to(&before, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("run {i} (signal {signal} after {delay:?}): {e}"));
        // The export is the good file or a whole new one, never half of one.
        let text = std::fs::read_to_string(&export).unwrap();
        assert!(
            text == "GOOD" || serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "run {i}: partial export"
        );
        assert_eq!(
            listing(dir.0.to_str().unwrap()),
            vec!["r.json".to_string()],
            "run {i}: a temporary file was left"
        );
    }
}

/// The audit's full-start block starts real containers: interrupted anywhere, it too leaves
/// no cgroup, state, mount or process behind.
#[test]
fn an_interrupted_full_start_audit_leaves_nothing() {
    let _serial = serial();
    if !root_or_skip("interrupted audit") {
        return;
    }
    let before = footprint();
    for (i, delay_ms) in [150u64, 400, 700, 1000, 1300, 1700].into_iter().enumerate() {
        let signal = [libc::SIGINT, libc::SIGTERM, libc::SIGKILL][i % 3];
        let mut child = sealbench()
            .args(["audit", "--workload", "full-start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        let sent = Instant::now();
        while child.try_wait().unwrap().is_none() {
            assert!(
                sent.elapsed() < Duration::from_secs(5),
                "audit {i}: still running 5 s after signal {signal}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        settles_to(&before, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("audit {i} (signal {signal} after {delay_ms} ms): {e}"));
    }
}

fn usage_error(args: &[&str]) -> String {
    let out = sealbench().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    err
}

#[test]
fn bad_input_gets_one_line_and_status_2() {
    let _serial = serial();
    assert!(usage_error(&["compare", "--strategies", "nosuch"]).contains("valid: all, noclone"));
    assert!(usage_error(&["compare", "--workload", "nosuch"]).contains("exec-true"));
    assert!(usage_error(&["compare", "--exe-size", "0"]).contains("exe-size"));
    assert!(usage_error(&["compare", "--exe-size", "12 parsecs"]).contains("exe-size"));
    assert!(usage_error(&["compare", "--runs", "0"]).contains("runs"));
    assert!(usage_error(&["sweep", "--param", "speed", "--values", "1"]).contains("speed"));
    assert!(
        usage_error(&["sweep", "--param", "concurrency", "--values", "0"]).contains("parallel")
    );
    let err = usage_error(&["compare", "--export-json", "/nonexistent-dir/r.json"]);
    assert!(err.contains("/nonexistent-dir/r.json"), "{err}");
    assert!(
        !err.contains("seed"),
        "refused before the run, not after: {err}"
    );
}

#[test]
fn bad_results_files_get_one_line_and_status_2_from_every_reader() {
    let _serial = serial();
    let dir = TempDir::new("bad-files");
    let files = [
        ("missing.json", None),
        ("empty.json", Some("")),
        (
            "truncated.json",
            Some("{\"schema\": \"sealbench/1\", \"host\": {\"kernel\""),
        ),
        (
            "malformed.json",
            Some("{\"schema\": \"sealbench/1\",\n \"results\": [}"),
        ),
        (
            "foreign.json",
            Some("{\"results\": [{\"command\": \"true\"}]}"),
        ),
        (
            "future.json",
            Some("{\"schema\": \"sealbench/7\", \"results\": []}"),
        ),
    ];
    for (name, content) in files {
        let path = dir.path(name);
        if let Some(c) = content {
            std::fs::write(&path, c).unwrap();
        }
        let p = path.to_str().unwrap();
        let plot_dir = dir.path("plots");
        let cases: Vec<Vec<&str>> = vec![
            vec!["report", p],
            vec!["plot", p, "--out", plot_dir.to_str().unwrap()],
            vec!["gate", "--baseline", p, "--current", p],
            vec!["merge", p, p],
        ];
        for args in cases {
            let err = usage_error(&args);
            assert!(err.contains(name), "{args:?}: {err}");
            if name == "malformed.json" {
                assert!(err.contains("line 2 column"), "{err}");
            }
            if name == "future.json" {
                assert!(err.contains("newer"), "{err}");
            }
        }
    }
}

#[test]
fn without_root_it_names_what_needs_root_and_suggests_rootless() {
    let _serial = serial();
    if !root_or_skip("not root (needs root to become nobody)") {
        return;
    }
    let out = sealbench()
        .args(["compare", "--strategies", "overlayfs,memfd"])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("overlayfs") && err.contains("--rootless"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A seccomp filter that makes fsopen(2) answer ENOSYS, as a kernel before 5.2 does.
fn deny_fsopen() -> std::io::Result<()> {
    #[repr(C)]
    struct Filter {
        code: u16,
        jt: u8,
        jf: u8,
        k: u32,
    }
    #[repr(C)]
    struct Prog {
        len: u16,
        filter: *const Filter,
    }
    const LD_NR: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS, offset 0 = syscall number
    const JEQ: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const RET: u16 = 0x06; // BPF_RET | BPF_K
    let filter = [
        Filter {
            code: LD_NR,
            jt: 0,
            jf: 0,
            k: 0,
        },
        Filter {
            code: JEQ,
            jt: 0,
            jf: 1,
            k: libc::SYS_fsopen as u32,
        },
        Filter {
            code: RET,
            jt: 0,
            jf: 0,
            k: 0x0005_0000 | libc::ENOSYS as u32,
        }, // SECCOMP_RET_ERRNO
        Filter {
            code: RET,
            jt: 0,
            jf: 0,
            k: 0x7fff_0000,
        }, // SECCOMP_RET_ALLOW
    ];
    let prog = Prog {
        len: filter.len() as u16,
        filter: filter.as_ptr(),
    };
    // SAFETY: a valid, self-contained BPF program; no_new_privs first, as seccomp requires.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &prog as *const Prog,
            ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[test]
fn a_kernel_without_fsopen_marks_overlayfs_unsupported_and_runs_the_rest() {
    let _serial = serial();
    if !root_or_skip("kernel feature") {
        return;
    }
    let dir = TempDir::new("no-fsopen");
    let out_path = dir.path("r.json");
    let mut cmd = sealbench();
    cmd.args([
        "compare",
        "--strategies",
        "noclone,overlayfs,fallback",
        "--runs",
        "3",
        "--warmup",
        "1",
        "-q",
        "--export-json",
    ])
    .arg(&out_path);
    // SAFETY: only async-signal-safe prctl calls between fork and exec.
    unsafe { cmd.pre_exec(deny_fsopen) };
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    let row = |s: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["strategy"] == s)
            .unwrap()
            .clone()
    };
    assert_eq!(row("noclone")["status"], "ok");
    assert_eq!(row("overlayfs")["status"], "unsupported");
    assert!(
        row("overlayfs")["reason"]
            .as_str()
            .unwrap()
            .contains("ENOSYS"),
        "{}",
        row("overlayfs")
    );
    // runc's chain falls back to a memfd copy, and says so.
    assert_eq!(row("fallback")["status"], "ok");
    assert_eq!(row("fallback")["used"], "memfd");
}

#[test]
fn a_hung_start_is_killed_by_the_run_timeout_and_the_others_carry_on() {
    let _serial = serial();
    if !root_or_skip("run timeout") {
        return;
    }
    let Ok(busybox) = std::fs::read("/bin/busybox") else {
        panic!("busybox-static is not installed: scripts/setup.sh installs it");
    };
    let dir = TempDir::new("hung");
    let bundle = dir.path("bundle");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    let sleep = bundle.join("rootfs/bin/sleep");
    std::fs::write(&sleep, busybox).unwrap();
    std::fs::set_permissions(&sleep, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config_path = bundle.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    config["process"]["args"] = serde_json::json!(["/bin/sleep", "600"]);
    std::fs::write(&config_path, config.to_string()).unwrap();
    let out_path = dir.path("r.json");
    let out = sealbench()
        .args([
            "compare",
            "--strategies",
            "noclone,overlayfs",
            "--workload",
            "all",
            "--runs",
            "2",
            "--warmup",
            "0",
            "--run-timeout",
            "1",
            "-q",
        ])
        .arg("--bundle")
        .arg(&bundle)
        .arg("--export-json")
        .arg(&out_path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "failed strategies make the run fail: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    for r in v["results"].as_array().unwrap() {
        match r["workload"].as_str().unwrap() {
            "exec-true" => assert_eq!(r["status"], "ok", "{r}"),
            _ => {
                assert_eq!(r["status"], "failed", "{r}");
                assert!(r["reason"].as_str().unwrap().contains("timed out"), "{r}");
            }
        }
    }
}
