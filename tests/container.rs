//! The container-start workload and the runtime peers, on the real kernel and runtimes.

mod common;
use common::*;

/// Inside the container, stage 2 is pid 1 of a new pid namespace, its root is the bundle's
/// rootfs, the hostname is the configured one, and /proc/self/exe is the sealed object.
#[test]
fn stage2_runs_as_init_of_the_container_from_the_sealed_object() {
    if !root_or_skip("container-start") {
        return;
    }
    let _serial = serial();
    for strategy in ["noclone", "memfd", "memfd-bind", "bind-ro", "overlayfs"] {
        let v = inspect(strategy, "container-start");
        let r = &v["report"];
        assert_eq!(r["pid"], 1, "{strategy}: {v}");
        assert_eq!(r["hostname"], "sealbench", "{strategy}: {v}");
        assert_eq!(
            r["root"], v["rootfs"],
            "{strategy}: root is not the bundle's rootfs: {v}"
        );
        let exe = r["exe"].as_str().unwrap();
        match strategy {
            "memfd" | "memfd-bind" => assert!(
                exe.starts_with(&format!("/memfd:sealbench-{strategy}")),
                "{v}"
            ),
            "overlayfs" => assert_eq!(exe, "/sealbench-stage2", "{v}"),
            _ => assert_eq!(v["exe_is_decoy"], true, "{v}"),
        }
        assert_eq!(v["decoy_unchanged"], true);
    }
}

fn cgroups() -> Vec<String> {
    let mut all = Vec::new();
    for ctrl in ["memory", "pids", "cpu", "unified"] {
        if let Ok(dir) = std::fs::read_dir(format!("/sys/fs/cgroup/{ctrl}")) {
            all.extend(
                dir.filter_map(|e| e.ok())
                    .map(|e| format!("{ctrl}/{}", e.file_name().to_string_lossy())),
            );
        }
    }
    all.sort();
    all
}

fn run_dirs() -> Vec<String> {
    let mut all: Vec<String> = ["/run/runc", "/run/crun"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok())
                .map(|e| e.path().display().to_string())
        })
        .collect();
    all.sort();
    all
}

#[test]
fn peers_run_on_the_same_bundle_and_leave_nothing_behind() {
    if !root_or_skip("peers") {
        return;
    }
    let _serial = serial();
    let before = (HostState::now(), cgroups(), run_dirs());
    let v = compare_json(
        "peers",
        &[
            "--strategies",
            "noclone,overlayfs",
            "--workload",
            "container-start",
            "--runtimes",
            "runc,crun",
            "--repeat",
            "1",
            "--runs",
            "5",
            "--warmup",
            "1",
        ],
    );
    let rows = v["results"].as_array().unwrap();
    for peer in ["runc", "crun"] {
        let row = rows
            .iter()
            .find(|r| r["strategy"] == peer)
            .unwrap_or_else(|| panic!("no {peer} row"));
        assert_eq!(row["workload"], "container-start");
        match row["status"].as_str().unwrap() {
            "ok" => {
                assert_eq!(row["runs"], 5, "{row}");
                assert!(
                    row["version"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("{peer} version")),
                    "{row}"
                );
            }
            // Only acceptable when the runtime is really missing: setup.sh installs both.
            "unavailable" => assert!(
                which(peer).is_none(),
                "{peer} is installed but was unavailable: {row}"
            ),
            other => panic!("{peer}: {other}: {row}"),
        }
    }
    assert!(rows
        .iter()
        .any(|r| r["strategy"] == "overlayfs" && r["status"] == "ok"));
    assert_eq!(
        (HostState::now(), cgroups(), run_dirs()),
        before,
        "peers left mounts, cgroups or state behind"
    );
}

/// As sealbench looks a runtime up: on PATH (cargo installs youki in ~/.cargo/bin), then
/// the usual directories.
fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(
            [
                "/usr/sbin",
                "/usr/bin",
                "/sbin",
                "/bin",
                "/usr/local/bin",
                "/usr/local/sbin",
            ]
            .map(Into::into),
        )
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The bundle is a standard one: real runc accepts it unchanged.
#[test]
fn runc_accepts_the_bundle_unchanged() {
    if !root_or_skip("bundle") {
        return;
    }
    let _serial = serial();
    let Some(runc) = which("runc") else {
        panic!("runc is not installed: scripts/setup.sh installs it");
    };
    let before = (HostState::now(), cgroups());
    let dir = TempDir::new("bundle");
    let bundle = dir.path("bundle");
    run_ok(sealbench().args(["bundle", "create"]).arg(&bundle));
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["process"]["args"], serde_json::json!(["/bin/true"]));
    assert_eq!(config["process"]["terminal"], false);
    let status = std::process::Command::new(runc)
        .arg("--root")
        .arg(dir.path("state"))
        .args(["run", "--bundle"])
        .arg(&bundle)
        .arg(format!("sealbench-test-{}", std::process::id()))
        .status()
        .unwrap();
    assert!(status.success(), "runc run: {status}");
    assert_eq!((HostState::now(), cgroups()), before);
}

/// A full, real container start on youki's libcontainer, sealed by each strategy: it does
/// real work (at least 3 times an exec-true start), so a copy's share of it is smaller.
#[test]
fn full_start_runs_a_real_runtime_sealed_by_each_strategy() {
    if !root_or_skip("full-start") {
        return;
    }
    // Host state is compared before and after: no other run may be changing it.
    let _serial = serial();
    let before = HostState::now();
    let dir = TempDir::new("full-start");
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .args(["compare", "--workload", "full-start,exec-true"])
            .args(["--strategies", "noclone,memfd,overlayfs,memfd-bind,dmz"])
            .args(["--runs", "12", "--warmup", "1", "-q", "--export-json"])
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let rows = v["results"].as_array().unwrap();
    let row = |w: &str, s: &str| {
        rows.iter()
            .find(|r| r["workload"] == w && r["strategy"] == s)
            .unwrap()
    };
    for s in ["noclone", "memfd", "overlayfs", "memfd-bind"] {
        assert_eq!(
            row("full-start", s)["status"],
            "ok",
            "{}",
            row("full-start", s)
        );
    }
    let dmz = row("full-start", "dmz");
    assert_eq!(dmz["status"], "unsupported", "{dmz}");
    assert!(dmz["reason"].as_str().unwrap().contains("init"), "{dmz}");
    let median = |w: &str, s: &str| row(w, s)["median"].as_f64().unwrap();
    let ratio = |w: &str, s: &str| row(w, s)["ratio"]["value"].as_f64().unwrap();
    assert!(
        median("full-start", "noclone") > 3.0 * median("exec-true", "noclone"),
        "full-start {} vs exec-true {}",
        median("full-start", "noclone"),
        median("exec-true", "noclone")
    );
    assert!(
        ratio("full-start", "memfd") < ratio("exec-true", "memfd"),
        "memfd: full-start {} vs exec-true {}",
        ratio("full-start", "memfd"),
        ratio("exec-true", "memfd")
    );
    assert_eq!(HostState::now(), before, "full-start left something behind");
}

/// Any runtime binary is a contender: two copies of one build, side by side, carry their
/// kind, path, version and sha256, and the copy's ratio to the original is about 1.
#[test]
fn runtime_binaries_by_path_compare_side_by_side() {
    if !root_or_skip("--runtime NAME=PATH") {
        return;
    }
    let _serial = serial();
    let Some(runc) = which("runc") else {
        panic!("runc is not installed: scripts/setup.sh installs it");
    };
    let dir = TempDir::new("runtime-by-path");
    let copy = dir.path("runc-copy");
    std::fs::copy(&runc, &copy).unwrap();
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
            ])
            .arg("--runtime")
            .arg(format!("main={}", runc.display()))
            .arg("--runtime")
            .arg(format!("pr={}", copy.display()))
            .args([
                "--reference",
                "main",
                "--runs",
                "15",
                "--warmup",
                "1",
                "-q",
                "--export-json",
            ])
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in rows {
        assert_eq!(r["kind"], "runtime", "{r}");
        assert!(r["version"].as_str().unwrap().contains("runc"), "{r}");
        assert_eq!(r["sha256"].as_str().unwrap().len(), 64, "{r}");
    }
    assert_eq!(
        rows[0]["sha256"], rows[1]["sha256"],
        "a copy has the same bytes"
    );
    assert_eq!(
        rows[1]["path"].as_str().unwrap(),
        std::fs::canonicalize(&copy).unwrap().to_str().unwrap()
    );
    let ci = &rows[1]["ratio"]["ci95"];
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(
        lo < 1.1 && hi > 0.9,
        "the same build measured {lo}..{hi} times the original"
    );
    // Names are checked before anything runs.
    for bad in [
        vec![
            "--runtime".to_string(),
            format!("noclone={}", runc.display()),
        ],
        vec![
            "--runtime".into(),
            format!("a={}", runc.display()),
            "--runtime".into(),
            format!("a={}", runc.display()),
        ],
        vec![
            "--runtime".into(),
            format!("a={}", runc.display()),
            "--runtime-arg".into(),
            "b=--debug".into(),
        ],
        vec!["--runtime".into(), "a=/nonexistent/runc".into()],
    ] {
        let out = sealbench()
            .args([
                "compare",
                "--strategies",
                "none",
                "--workload",
                "container-start",
            ])
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// runc, crun and youki as known peers, each with how it seals itself.
#[test]
fn three_known_runtimes_run_as_peers() {
    if !root_or_skip("runc, crun and youki") {
        return;
    }
    let _serial = serial();
    for name in ["runc", "crun", "youki"] {
        assert!(
            which(name).is_some(),
            "{name} is not installed: scripts/setup.sh installs it"
        );
    }
    let dir = TempDir::new("three-peers");
    let out = dir.path("r.json");
    run_ok(
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
            ])
            .args([
                "--runtimes",
                "runc,crun,youki",
                "--repeat",
                "1",
                "--runs",
                "10",
                "--warmup",
                "1",
                "-q",
                "--export-json",
            ])
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let rows = v["results"].as_array().unwrap();
    for name in ["runc", "crun", "youki"] {
        let r = rows.iter().find(|r| r["strategy"] == name).unwrap();
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["shared_rounds"], 10, "{r}");
        assert!(r["seals"].as_str().is_some_and(|s| s != "unknown"), "{r}");
    }
    let youki = rows.iter().find(|r| r["strategy"] == "youki").unwrap();
    assert!(
        youki["seals"].as_str().unwrap().contains("memfd"),
        "{youki}"
    );
}

/// A runtime that hangs now and then (as youki could, before it was started with SIGCHLD
/// blocked) costs the rounds it hung in, counted per row; past the limit the row fails.
#[test]
fn a_runtime_that_hangs_is_counted_not_waited_for() {
    if !root_or_skip("a hanging runtime") {
        return;
    }
    let _serial = serial();
    let before = HostState::now();
    let dir = TempDir::new("hanging-runtime");
    let script = dir.path("hangs");
    // Every fourth `run`, from the second, never returns; `exec` so that the watchdog's
    // SIGKILL reaches the sleeper itself.
    std::fs::write(
        &script,
        "#!/bin/sh\nd=$(dirname \"$0\")\ncase \" $* \" in *\" --version \"*) echo 'hangs 1.0'; exit 0;; esac\n\
         case \" $* \" in *\" run \"*) n=$(cat \"$d/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n > \"$d/count\";\n\
         [ $((n % 4)) -eq 2 ] && exec sleep 600; exit 0;; esac\nexit 0\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |every: bool| {
        if every {
            // Every start after the first (the probe, outside the timing) hangs.
            std::fs::write(
                &script,
                "#!/bin/sh\nd=$(dirname \"$0\")\ncase \" $* \" in *\" run \"*) n=$(cat \"$d/count\" 2>/dev/null || echo 0);\n\
                 echo $((n+1)) > \"$d/count\"; [ $n -ge 1 ] && exec sleep 600; exit 0;; esac\necho 'hangs 1.0'\n",
            )
            .unwrap();
            let _ = std::fs::remove_file(dir.path("count"));
        }
        sealbench()
            .args([
                "compare",
                "--strategies",
                "noclone",
                "--workload",
                "container-start",
            ])
            .arg("--runtime")
            .arg(format!("hangs={}", script.display()))
            .args([
                "--repeat",
                "1",
                "--runs",
                "8",
                "--warmup",
                "0",
                "--run-timeout",
                "0.5",
                "-q",
                "--export-json",
                "-",
            ])
            .output()
            .unwrap()
    };
    let out = run(false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let row = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == "hangs")
        .unwrap()
        .clone();
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["timeouts"], 2, "starts 2 and 6 hung: {row}");
    assert_eq!(row["times"].as_array().unwrap().len(), 6, "{row}");
    let out = run(true);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let row = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == "hangs")
        .unwrap()
        .clone();
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .contains("4 starts timed out"),
        "{row}"
    );
    // One that hangs from its first start, the probe, is unavailable rather than waited for.
    std::fs::write(
        &script,
        "#!/bin/sh\ncase \" $* \" in *\" run \"*) exec sleep 600;; esac\necho 'hangs 1.0'\n",
    )
    .unwrap();
    let out = sealbench()
        .args([
            "compare",
            "--strategies",
            "noclone",
            "--workload",
            "container-start",
        ])
        .arg("--runtime")
        .arg(format!("hangs={}", script.display()))
        .args([
            "--runs",
            "3",
            "--run-timeout",
            "0.5",
            "-q",
            "--export-json",
            "-",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    let row = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == "hangs")
        .unwrap()
        .clone();
    assert_eq!(row["status"], "unavailable", "{row}");
    assert!(
        row["reason"].as_str().unwrap().contains("timed out"),
        "{row}"
    );
    assert_eq!(
        HostState::now(),
        before,
        "a killed runtime left something behind"
    );
}
