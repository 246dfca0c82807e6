//! Hostile runtimes and bundles, as root: each test writes a fake runtime (a few lines of
//! shell) or a bundle that misbehaves one way, and checks that sealbench neither changes
//! the host, nor hangs, nor reports a wrong result with exit 0.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A fake runtime: `body` is the shell script's text after the shebang. It answers
/// `--version` with a line of its own unless the body handles it.
fn fake_runtime(dir: &TempDir, name: &str, body: &str) -> PathBuf {
    let path = dir.path(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.contains(marker).then(|| format!("{pid}: {cmd}"))
        })
        .collect()
}

/// Digits no other process's command line holds (they are a sleep's argument).
fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{tag}{}{nanos}", std::process::id())
}

fn compare_peer(runtime: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = sealbench();
    cmd.args([
        "compare",
        "--strategies",
        "none",
        "--workload",
        "container-start",
        "--warmup",
        "0",
        "-q",
    ])
    .arg("--runtime")
    .arg(format!("fake={}", runtime.display()))
    .args(extra);
    cmd
}

#[test]
fn a_bundle_with_hooks_is_refused_unless_the_user_opts_in() {
    let _serial = serial();
    if !root_or_skip("hooks") {
        return;
    }
    let dir = TempDir::new("hooks");
    let bundle = dir.path("b");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    // Outside /tmp, which the run's namespace covers with a scratch tmpfs of its own (a
    // test clone may live there): a hook that ran must be seen here.
    let marker = std::path::PathBuf::from(format!(
        "/var/tmp/sealbench-test-hook-ran-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&marker);
    let config = bundle.join("config.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    v["hooks"] = serde_json::json!({
        "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", format!("touch {}", marker.display())]}],
        "poststop": [{"path": "/bin/true"}],
    });
    std::fs::write(&config, serde_json::to_vec(&v).unwrap()).unwrap();
    let mut cmd = sealbench();
    cmd.args([
        "compare",
        "--strategies",
        "none",
        "--workload",
        "container-start",
    ])
    .args(["--runtimes", "runc", "--runs", "2", "-q", "--bundle"])
    .arg(&bundle);
    let (_, err) = expect_code(&mut cmd, 2);
    assert!(
        err.contains("createRuntime: 1")
            && err.contains("poststop: 1")
            && err.contains("--allow-hooks"),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.contains("error")).count(),
        1,
        "{err}"
    );
    assert!(!marker.exists(), "a hook ran without the opt-in");
    // With the opt-in the hooks are the user's to run, and they do run.
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
            ])
            .args([
                "--runtimes",
                "runc",
                "--runs",
                "2",
                "-q",
                "--allow-hooks",
                "--bundle",
            ])
            .arg(&bundle),
    );
    let ran = marker.exists();
    let _ = std::fs::remove_file(&marker);
    assert!(ran, "--allow-hooks did not run the bundle's hook");
}

#[test]
fn what_a_runtime_starts_in_the_background_is_gone_after_the_run() {
    let _serial = serial();
    if !root_or_skip("daemonizing runtime") {
        return;
    }
    let dir = TempDir::new("daemon");
    let marker = unique("4242");
    // `sleep <marker>` in the background, and one that leaves its session too.
    let rt = fake_runtime(
        &dir,
        "daemon-rt",
        &format!(
            "case \"$*\" in *--version*) echo daemon 1; exit 0;; esac\n\
             sleep {marker} &\n\
             setsid sleep {marker} &\n\
             exit 0"
        ),
    );
    run_ok(&mut compare_peer(&rt, &["--runs", "3"]));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(processes_with(&marker), Vec::<String>::new());
}

#[test]
fn a_hanging_run_and_a_hanging_delete_are_bounded_and_leave_nothing() {
    let _serial = serial();
    if !root_or_skip("hanging runtime") {
        return;
    }
    let dir = TempDir::new("hang");
    let marker = unique("4343");
    let count = dir.path("starts");
    // The first start (the probe) succeeds; later `run`s hang with a child; `delete` hangs.
    let rt = fake_runtime(
        &dir,
        "hang-rt",
        &format!(
            "case \"$*\" in *--version*) echo hang 1; exit 0;; esac\n\
             case \"$*\" in *' delete '*) sleep {marker}; exit 0;; esac\n\
             root=$2; id=$(eval echo \\${{$#}})\n\
             if [ -e {count} ]; then mkdir -p \"$root/$id\"; sleep {marker} & sleep {marker}; fi\n\
             touch {count}; exit 0",
            count = count.display()
        ),
    );
    let started = Instant::now();
    let out = compare_peer(&rt, &["--runs", "3", "--run-timeout", "1"])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run took {:?}",
        started.elapsed()
    );
    // Every start after the probe hung: the row fails, and the run says so.
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(processes_with(&marker), Vec::<String>::new());
}

#[test]
fn nothing_a_runtime_prints_reaches_the_exported_json_on_stdout() {
    if !root_or_skip("runtime stdout") {
        return;
    }
    let dir = TempDir::new("stdout");
    let rt = fake_runtime(
        &dir,
        "noisy-rt",
        "case \"$*\" in *--version*) echo noisy 1; exit 0;; esac\necho CONTAINER-OUT\necho CONTAINER-ERR >&2\nexit 0",
    );
    let out = run_ok(&mut compare_peer(
        &rt,
        &["--runs", "3", "--export-json", "-"],
    ));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("CONTAINER-OUT"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("clean JSON on stdout");
    assert_eq!(v["results"][0]["status"], "ok");
}

#[test]
fn bad_runtime_names_and_files_are_refused_before_the_run() {
    let dir = TempDir::new("badnames");
    let long = format!("{}=/bin/true", "r".repeat(300));
    for (arg, says) in [
        ("noclone-unphased=/bin/true", "--phases"),
        (long.as_str(), "1 to 64"),
        ("noclone=/bin/true", "strategy's name"),
    ] {
        let (_, err) = expect_code(
            sealbench().args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
                "--runtime",
                arg,
            ]),
            2,
        );
        assert!(err.contains(says), "{arg}: {err}");
    }
    let fifo = dir.path("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let (_, err) = expect_code(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
                "--runtime",
            ])
            .arg(format!("f={}", fifo.display())),
        2,
    );
    assert!(err.contains("FIFO"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // A file far larger than any runtime is refused without being read.
    let big = dir.path("big");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(3 << 30).unwrap();
    std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (_, err) = expect_code(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
                "--runtime",
            ])
            .arg(format!("b={}", big.display())),
        2,
    );
    assert!(err.contains("larger than any runtime binary"), "{err}");
}

#[test]
fn a_huge_version_line_is_cut_and_a_run_where_nothing_ran_fails() {
    if !root_or_skip("version and empty runs") {
        return;
    }
    let dir = TempDir::new("version");
    let rt = fake_runtime(
        &dir,
        "loud-rt",
        "case \"$*\" in *--version*) head -c 50000000 /dev/zero | tr '\\0' v; echo; exit 0;; esac\nexit 0",
    );
    let out = run_ok(&mut compare_peer(
        &rt,
        &["--runs", "2", "--export-json", "-"],
    ));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = v["results"][0]["version"].as_str().unwrap();
    assert!(
        version.len() <= 200,
        "{} bytes of version kept",
        version.len()
    );
    // Nothing could run: a failure naming why, not an empty result with exit 0.
    let (_, err) = expect_code(
        sealbench().args([
            "compare",
            "--strategies",
            "none",
            "--workload",
            "container-start",
            "--runtime",
            "f=/bin/false",
            "--runs",
            "2",
            "-q",
        ]),
        1,
    );
    assert!(
        err.contains("nothing ran") && err.contains("container-start/f"),
        "{err}"
    );
}

#[test]
fn a_runtime_replaced_during_the_run_fails_its_row() {
    let _serial = serial();
    if !root_or_skip("replaced runtime") {
        return;
    }
    let dir = TempDir::new("replaced");
    let count = dir.path("n");
    // On its fourth start it puts another binary in its own place.
    let rt = fake_runtime(
        &dir,
        "swap-rt",
        &format!(
            "case \"$*\" in *--version*) echo swap 1; exit 0;; esac\n\
             echo x >> {count}\n\
             if [ $(wc -l < {count}) -eq 4 ]; then cp \"$0\" \"$0.new\"; echo '# B' >> \"$0.new\"; mv \"$0.new\" \"$0\"; fi\n\
             exit 0",
            count = count.display()
        ),
    );
    let out = compare_peer(&rt, &["--runs", "10", "--export-json", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &v["results"][0];
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .contains("replaced during the run"),
        "{row}"
    );
}
