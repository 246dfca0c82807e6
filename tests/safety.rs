//! Issue 14, "safe as root": sealbench, run as root by a user who gives it hostile paths
//! and files, modifies nothing it was not asked to and refuses what it cannot do safely,
//! with one line and exit 2 before any run.

mod common;
use common::*;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn results_in(dir: &TempDir, name: &str) -> std::path::PathBuf {
    let p = dir.path(name);
    write_results(&p, |_| {});
    p
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}

/// Item 1: an export goes only over a regular file or where nothing is.
#[test]
fn exports_refuse_devices_fifos_sockets_directories_and_symlinks_before_the_run() {
    let _serial = serial();
    if !root_or_skip("exports over devices") {
        return;
    }
    let dir = TempDir::new("export-kinds");
    let fifo = dir.path("fifo");
    mkfifo(&fifo);
    let victim = dir.path("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = dir.path("link.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    std::fs::create_dir(dir.path("sub")).unwrap();
    let cases: [(&str, &Path); 6] = [
        ("--export-csv", Path::new("/dev/null")),
        ("--export-json", Path::new("/dev/full")),
        ("--export-json", Path::new("/dev/stdout")),
        ("--export-markdown", &fifo),
        ("--export-json", &link),
        ("--export-benchstat", &dir.path("sub")),
    ];
    for (flag, path) in cases {
        let (_, err) = expect_code(
            sealbench()
                .args(["compare", "--strategies", "noclone", "--runs", "5", flag])
                .arg(path),
            2,
        );
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(!err.contains("seed"), "refused before the run: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// Item 1: `-` is standard output (the table moves to standard error), and a replaced
/// file keeps its mode and owner; a hard-linked one is not split.
#[test]
fn dash_is_stdout_and_a_replaced_file_keeps_mode_and_owner() {
    let _serial = serial();
    let dir = TempDir::new("export-owner");
    let input = results_in(&dir, "r.json");
    let (out, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&input)
            .args(["--export-json", "-"]),
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("only the export on stdout");
    assert_eq!(v["schema"], "sealbench/1");
    assert!(err.contains("noclone"), "the table on stderr: {err}");
    let md = dir.path("r.md");
    std::fs::write(&md, "old").unwrap();
    std::fs::set_permissions(&md, std::fs::Permissions::from_mode(0o444)).unwrap();
    let root = rustix::process::geteuid().is_root();
    if root {
        std::os::unix::fs::chown(&md, Some(1234), Some(4321)).unwrap();
    }
    expect_code(
        sealbench()
            .arg("report")
            .arg(&input)
            .arg("--export-markdown")
            .arg(&md),
        0,
    );
    let m = std::fs::metadata(&md).unwrap();
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("| exec-true | memfd |"));
    assert_eq!(m.mode() & 0o7777, 0o444);
    if root {
        assert_eq!((m.uid(), m.gid()), (1234, 4321));
    }
    std::fs::hard_link(&md, dir.path("other")).unwrap();
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&input)
            .arg("--export-markdown")
            .arg(&md),
        2,
    );
    assert!(err.contains("hard links"), "{err}");
}

/// Item 3: no export overwrites an input of the same command, or another export.
#[test]
fn an_export_that_is_an_input_or_another_export_is_refused() {
    let _serial = serial();
    let dir = TempDir::new("export-same");
    let a = results_in(&dir, "a.json");
    let b = results_in(&dir, "b.json");
    let a_text = std::fs::read(&a).unwrap();
    // The same file under another spelling is still the same file.
    let a_other = dir.0.join(".").join("a.json");
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&a)
            .arg("--export-markdown")
            .arg(&a_other),
        2,
    );
    assert!(err.contains("is the input"), "{err}");
    let (_, err) = expect_code(
        sealbench()
            .arg("merge")
            .arg(&a)
            .arg(&b)
            .arg("--export-json")
            .arg(&a),
        2,
    );
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(std::fs::read(&a).unwrap(), a_text, "the input is untouched");
    let f = dir.path("new.out");
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&a)
            .arg("--export-json")
            .arg(&f)
            .arg("--export-markdown")
            .arg(&f),
        2,
    );
    assert!(err.contains("same file"), "{err}");
    assert!(!f.exists());
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&a)
            .args(["--export-json", "-", "--export-csv", "-"]),
        2,
    );
    assert!(err.contains("standard output"), "{err}");
}

/// Item 4: `bundle create` into a non-empty directory, and never through a symlink in it.
#[test]
fn bundle_create_refuses_a_non_empty_dir_and_never_follows_symlinks_in_it() {
    let _serial = serial();
    let dir = TempDir::new("bundle-create");
    let bundle = dir.path("b");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    let (_, err) = expect_code(sealbench().args(["bundle", "create"]).arg(&bundle), 2);
    assert!(err.contains("--force"), "{err}");
    let elsewhere = dir.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("true"), "precious").unwrap();
    std::fs::set_permissions(
        elsewhere.join("true"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::remove_dir_all(bundle.join("rootfs/bin")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, bundle.join("rootfs/bin")).unwrap();
    let (_, err) = expect_code(
        sealbench()
            .args(["bundle", "create", "--force"])
            .arg(&bundle),
        2,
    );
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(elsewhere.join("true")).unwrap(), b"precious");
    assert_eq!(
        std::fs::metadata(elsewhere.join("true")).unwrap().mode() & 0o777,
        0o600
    );
    // config.json as a symlink: replaced by a file, its target untouched.
    std::fs::remove_file(bundle.join("rootfs/bin")).unwrap();
    std::fs::remove_file(bundle.join("config.json")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("true"), bundle.join("config.json")).unwrap();
    let (_, err) = expect_code(
        sealbench()
            .args(["bundle", "create", "--force"])
            .arg(&bundle),
        2,
    );
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(elsewhere.join("true")).unwrap(), b"precious");
}

fn edit_config(bundle: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = bundle.join("config.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, v.to_string()).unwrap();
}

fn drop_namespace(v: &mut serde_json::Value, typ: &str) {
    v["linux"]["namespaces"]
        .as_array_mut()
        .unwrap()
        .retain(|n| n["type"] != typ);
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir);
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path().display().to_string());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

/// Item 5: a hand-made bundle cannot reach the host through sealbench's own start.
#[test]
fn a_hostile_bundle_cannot_reach_the_host() {
    let _serial = serial();
    if !root_or_skip("--bundle") {
        return;
    }
    let dir = TempDir::new("hostile-bundle");
    let bundle = dir.path("b");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    // A hostname without a uts namespace: runc refuses it, and so does sealbench, before
    // the run, without touching the caller's hostname.
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    edit_config(&bundle, |v| drop_namespace(v, "uts"));
    let (_, err) = expect_code(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
                "--runs",
                "2",
                "-q",
                "--bundle",
            ])
            .arg(&bundle),
        2,
    );
    assert!(
        err.contains("unable to set hostname without a private UTS namespace"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
        hostname
    );
    // A mount destination that climbs out, and a rootfs with a symlink out: mounted inside
    // the container's root, created in the run's copy only.
    let escape = format!("/var/tmp/sealbench-escape-{}", std::process::id());
    std::fs::write(dir.path("outside"), "").unwrap();
    std::os::unix::fs::symlink("/var/tmp", bundle.join("rootfs/vt")).unwrap();
    edit_config(&bundle, |v| {
        v["linux"]["namespaces"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"type": "uts"}));
        let mounts = v["mounts"].as_array_mut().unwrap();
        mounts.push(serde_json::json!({"destination": format!("/../../../..{escape}"), "type": "tmpfs", "source": "tmpfs"}));
        mounts.push(serde_json::json!({"destination": "/vt/sealbench-escape-link", "type": "tmpfs", "source": "tmpfs"}));
    });
    let before = listing(&bundle);
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
                "--runs",
                "2",
                "-q",
                "--bundle",
            ])
            .arg(&bundle),
    );
    assert!(
        !Path::new(&escape).exists(),
        "{escape} was made on the host"
    );
    assert!(!Path::new("/var/tmp/sealbench-escape-link").exists());
    assert_eq!(
        listing(&bundle),
        before,
        "nothing written into the user's bundle"
    );
}

/// A bundle whose fault only shows inside the run (a rootfs overlayfs cannot stack on) is
/// still the user's to fix: the worker's error keeps its class across the fork, exit 2.
#[test]
fn a_bundle_the_run_cannot_use_is_a_usage_error() {
    let _serial = serial();
    if !root_or_skip("--bundle on procfs") {
        return;
    }
    let dir = TempDir::new("procfs-bundle");
    let bundle = dir.path("b");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    edit_config(&bundle, |v| v["root"]["path"] = "/proc".into());
    let (_, err) = expect_code(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
                "--runs",
                "1",
                "--repeat",
                "1",
                "-q",
                "--bundle",
            ])
            .arg(&bundle),
        2,
    );
    assert!(err.contains("overlay the --bundle's rootfs"), "{err}");
    assert_eq!(
        err.trim().lines().count(),
        2,
        "seed line and one error line: {err}"
    );
}

/// Item 5: without a pid namespace, what a container leaves running is killed.
#[test]
fn a_start_without_a_pid_namespace_leaves_no_process_behind() {
    let _serial = serial();
    if !root_or_skip("--bundle without a pid namespace") {
        return;
    }
    let busybox =
        std::fs::read("/bin/busybox").expect("busybox-static: scripts/setup.sh installs it");
    let dir = TempDir::new("no-pid-ns");
    let bundle = dir.path("b");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    let bin = bundle.join("rootfs/bin");
    std::fs::write(bin.join("busybox"), busybox).unwrap();
    std::fs::set_permissions(bin.join("busybox"), std::fs::Permissions::from_mode(0o755)).unwrap();
    for applet in ["sh", "sleep"] {
        std::os::unix::fs::symlink("busybox", bin.join(applet)).unwrap();
    }
    // The background job needs /dev/null: a device node of the rootfs, no /dev tmpfs.
    rustix::fs::mknodat(
        rustix::fs::CWD,
        bundle.join("rootfs/dev/null"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, 3),
    )
    .unwrap();
    // Once as the issue found it, once with the start itself hung (killed by the
    // run timeout, so the start fails and its leftovers are found at the end).
    for (i, (tail, timeout, ok)) in [(" & exit 0", "30", true), (" & exec sleep 600", "1", false)]
        .into_iter()
        .enumerate()
    {
        let marker = format!("sleep {}", 300 + i as u32 + 2 * (std::process::id() % 300));
        edit_config(&bundle, |v| {
            drop_namespace(v, "pid");
            v["mounts"]
                .as_array_mut()
                .unwrap()
                .retain(|m| m["destination"] == "/proc");
            v["process"]["args"] = serde_json::json!(["/bin/sh", "-c", format!("{marker}{tail}")]);
        });
        let started = Instant::now();
        // Like `sealbench … | cat`: the output pipe must reach EOF, so nothing may hold it.
        let mut child = sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
                "--runs",
                "3",
                "--warmup",
                "0",
                "-q",
            ])
            .args(["--run-timeout", timeout, "--bundle"])
            .arg(&bundle)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
            s
        });
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "sealbench did not finish"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !reader.is_finished() {
            assert!(
                Instant::now() < deadline,
                "stdout still held open after sealbench exited"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = reader.join().unwrap();
        assert_eq!(status.success(), ok, "{status}: {out}");
        let left: Vec<String> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .filter(|c| c.contains(&marker))
            .collect();
        assert!(left.is_empty(), "{tail}: left running: {left:?}");
    }
}

/// Item 13: --bundle errors name the path and errno; a bundle under /tmp with an
/// absolute root.path works although the run's tmpfs covers /tmp.
#[test]
fn bundle_errors_say_what_and_an_absolute_root_under_tmp_works() {
    let _serial = serial();
    if !root_or_skip("--bundle errors") {
        return;
    }
    let dir = TempDir::new("bundle-errors");
    let file = dir.path("file");
    std::fs::write(&file, "").unwrap();
    let compare = |bundle: &Path| {
        let mut c = sealbench();
        c.args([
            "compare",
            "--strategies",
            "noclone",
            "--workload",
            "container-start",
            "--runs",
            "2",
            "-q",
            "--bundle",
        ])
        .arg(bundle);
        c
    };
    let (_, err) = expect_code(&mut compare(&file), 2);
    assert!(err.contains("not a directory"), "{err}");
    let empty = dir.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let (_, err) = expect_code(&mut compare(&empty), 2);
    assert!(
        err.contains(&format!("{}/config.json", empty.display())) && err.contains("ENOENT"),
        "{err}"
    );
    // config.json a FIFO: refused at once instead of waiting for a writer forever.
    mkfifo(&empty.join("config.json"));
    let t = Instant::now();
    let (_, err) = expect_code(&mut compare(&empty), 2);
    assert!(err.contains("FIFO"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(60));
    // A rootfs reached through a symlink: runc refuses it, and so does sealbench.
    let linked = dir.path("linked");
    run_ok(sealbench().args(["bundle", "create"]).arg(&linked));
    std::fs::rename(linked.join("rootfs"), linked.join("real-rootfs")).unwrap();
    std::os::unix::fs::symlink("real-rootfs", linked.join("rootfs")).unwrap();
    let (_, err) = expect_code(&mut compare(&linked), 2);
    assert!(err.contains("a symlink"), "{err}");
    let tmp_bundle =
        std::path::PathBuf::from(format!("/tmp/sealbench-test-bundle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp_bundle);
    run_ok(sealbench().args(["bundle", "create"]).arg(&tmp_bundle));
    let abs_root = tmp_bundle.join("rootfs");
    edit_config(&tmp_bundle, |v| {
        v["root"]["path"] = abs_root.display().to_string().into()
    });
    let out = compare(&tmp_bundle).output().unwrap();
    std::fs::remove_dir_all(&tmp_bundle).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Item 7: inputs that are not regular files, or too large, are refused at once.
#[test]
fn non_regular_and_oversized_inputs_are_refused_at_once() {
    let _serial = serial();
    let dir = TempDir::new("inputs");
    let fifo = dir.path("fifo.json");
    mkfifo(&fifo);
    let big = dir.path("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(300 << 20)
        .unwrap(); // sparse
    for (path, says) in [
        (Path::new("/dev/zero"), "character device"),
        (Path::new("/dev/urandom"), "character device"),
        (fifo.as_path(), "FIFO"),
        (big.as_path(), "256 MiB"),
    ] {
        let t = Instant::now();
        let (_, err) = expect_code(sealbench().arg("report").arg(path), 2);
        assert!(err.contains(says), "{err}");
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{path:?} took {:?}",
            t.elapsed()
        );
    }
}

/// Item 9 and 13: --exe-size too small or too large for this machine is refused up front.
#[test]
fn exe_sizes_that_cannot_work_are_refused_before_the_run() {
    let _serial = serial();
    for size in ["1", "1K"] {
        let (_, err) = expect_code(
            sealbench().args(["compare", "--strategies", "noclone", "--exe-size", size]),
            2,
        );
        assert!(err.contains("at least") && !err.contains("seed"), "{err}");
    }
    let (_, err) = expect_code(
        sealbench().args(["compare", "--strategies", "memfd", "--exe-size", "30G"]),
        2,
    );
    assert!(err.contains("MiB") && !err.contains("seed"), "{err}");
    let (_, err) = expect_code(
        sealbench().args(["sweep", "--param", "exe-size", "--values", "1K,1M"]),
        2,
    );
    assert!(err.contains("at least"), "{err}");
}

/// Item 10: standard output on a full device costs no results and no panic.
#[test]
fn stdout_on_dev_full_writes_the_exports_and_says_what_happened() {
    let _serial = serial();
    if !root_or_skip("stdout on /dev/full") {
        return;
    }
    let dir = TempDir::new("dev-full");
    let export = dir.path("r.json");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [
        vec!["list", "--exe-size", "1M"],
        vec![
            "compare",
            "--strategies",
            "noclone",
            "--runs",
            "3",
            "--warmup",
            "0",
            "-q",
            "--export-json",
            export.to_str().unwrap(),
        ],
    ] {
        let out = sealbench().args(&args).stdout(full()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("cannot print to standard output"), "{err}");
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(v["results"][0]["status"], "ok");
}

/// Items 11 and 13: values and options out of range are refused with the range.
#[test]
fn out_of_range_values_name_the_range() {
    let _serial = serial();
    let (_, err) = expect_code(
        sealbench().args(["sweep", "--param", "host-mounts", "--values", "100000"]),
        2,
    );
    assert!(err.contains("0 to 10000"), "{err}");
    let (_, err) = expect_code(sealbench().args(["compare", "--run-timeout", "1e-9"]), 2);
    assert!(err.contains("0.1"), "{err}");
    let dir = TempDir::new("reference");
    let a = results_in(&dir, "a.json");
    let b = results_in(&dir, "b.json");
    let (_, err) = expect_code(
        sealbench()
            .arg("report")
            .arg(&a)
            .args(["--reference", "bogus"]),
        2,
    );
    assert!(
        err.contains("bogus") && err.contains("noclone, memfd"),
        "{err}"
    );
    let (_, err) = expect_code(
        sealbench()
            .arg("merge")
            .arg(&a)
            .arg(&b)
            .args(["--reference", "bogus"]),
        2,
    );
    assert!(err.contains("bogus"), "{err}");
}

/// Item 12: a results file whose numbers cannot be right is refused by every reader,
/// naming the first problem.
#[test]
fn impossible_numbers_in_a_results_file_are_refused() {
    let _serial = serial();
    let dir = TempDir::new("bad-numbers");
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 5] = [
        (
            "huge-median.json",
            |v| v["results"][1]["median"] = 1e308.into(),
            "median is 1e308",
        ),
        (
            "zero-ref.json",
            |v| v["results"][0]["times"] = serde_json::json!(vec![0.0; 20]),
            "times[0] is 0.0",
        ),
        (
            "negative.json",
            |v| v["results"][1]["times"][4] = (-0.0042).into(),
            "times[4] is -0.0042",
        ),
        (
            "rounds.json",
            |v| v["results"][1]["rounds"] = serde_json::json!([0, 1, 2]),
            "rounds has 3 values for 20 times",
        ),
        (
            "runs.json",
            |v| v["results"][0]["runs"] = 7.into(),
            "runs is 7",
        ),
    ];
    for (name, edit, says) in cases {
        let p = dir.path(name);
        write_results(&p, edit);
        let good = results_in(&dir, "good.json");
        for args in [
            vec!["report".to_string(), p.display().to_string()],
            vec![
                "gate".into(),
                "--baseline".into(),
                good.display().to_string(),
                "--current".into(),
                p.display().to_string(),
            ],
            vec![
                "merge".into(),
                good.display().to_string(),
                p.display().to_string(),
            ],
        ] {
            let (_, err) = expect_code(sealbench().args(&args), 2);
            assert!(err.contains(name) && err.contains(says), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
}

/// Item 13: an old schema is not called newer; a parse error gives its position once.
#[test]
fn schema_and_parse_errors_say_it_right() {
    let _serial = serial();
    let dir = TempDir::new("schema");
    let old = dir.path("old.json");
    write_results(&old, |v| v["schema"] = "sealbench/0".into());
    let (_, err) = expect_code(sealbench().arg("report").arg(&old), 2);
    assert!(
        !err.contains("newer") && err.contains("sealbench/1"),
        "{err}"
    );
    let bad = dir.path("bad.json");
    std::fs::write(&bad, "{\"schema\": \"sealbench/1\",\n \"results\": [}").unwrap();
    let (_, err) = expect_code(sealbench().arg("report").arg(&bad), 2);
    assert_eq!(err.matches("line 2 column").count(), 1, "{err}");
}

/// Item 13: names from a file cannot break the Markdown table.
#[test]
fn markdown_escapes_pipes_and_newlines_in_names() {
    let _serial = serial();
    let dir = TempDir::new("markdown");
    let input = dir.path("r.json");
    write_results(&input, |v| {
        v["results"][1]["strategy"] = "me|m\nfd".into();
        v["host"]["cpu_model"] = "Evil\n| injected |".into();
    });
    let md = dir.path("r.md");
    run_ok(
        sealbench()
            .arg("report")
            .arg(&input)
            .arg("--export-markdown")
            .arg(&md),
    );
    let text = std::fs::read_to_string(&md).unwrap();
    // The line break is shown as its escape, the pipe escaped: the row stays one row.
    assert!(text.contains("| exec-true | me\\|m\\\\nfd |"), "{text}");
    let rows = text.lines().filter(|l| l.starts_with('|')).count();
    assert_eq!(rows, 4, "header, rule and two rows: {text}");
    assert!(!text.contains("\n| injected |"), "{text}");
}
