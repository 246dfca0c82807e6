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
        assert_eq!(r["pid"], "1", "{strategy}: {v}");
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

fn which(name: &str) -> Option<std::path::PathBuf> {
    [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ]
    .iter()
    .map(|d| std::path::Path::new(d).join(name))
    .find(|p| p.exists())
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
    let row = |w: &str, s: &str| rows.iter().find(|r| r["workload"] == w && r["strategy"] == s).unwrap();
    for s in ["noclone", "memfd", "overlayfs", "memfd-bind"] {
        assert_eq!(row("full-start", s)["status"], "ok", "{}", row("full-start", s));
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
