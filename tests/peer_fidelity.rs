//! A peer row measures what the runtime does on the user's host: the same binary on PATH,
//! by path, and copied under /tmp takes the same seal path and measures the same within
//! noise; every row says what a live start was seen to seal and whether its data is the
//! host's; real runtimes are attacked from decoys and the installed binaries are untouched.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn installed(name: &str) -> PathBuf {
    [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/bin",
        "/root/.cargo/bin",
    ]
    .iter()
    .map(|d| Path::new(d).join(name))
    .find(|p| p.is_file())
    .unwrap_or_else(|| panic!("{name} is not installed: scripts/setup.sh installs it"))
}

fn row<'a>(v: &'a Value, workload: &str, name: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["workload"] == workload && e["strategy"] == name)
        .unwrap_or_else(|| panic!("no row {workload}/{name}"))
}

/// A copy of `src` in a directory of its own under /tmp, removed on drop: /tmp is where
/// the run's scratch space goes, and where builds often live.
struct TmpCopy(PathBuf);

impl TmpCopy {
    fn of(src: &Path) -> TmpCopy {
        let dir = PathBuf::from(format!("/tmp/peer-fidelity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let to = dir.join(src.file_name().unwrap());
        std::fs::copy(src, &to).unwrap();
        TmpCopy(to)
    }
}

impl Drop for TmpCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.0.parent().unwrap());
    }
}

/// Before the fix, runc given by path took another seal path (no bind, a memfd copy: 0
/// mount events against 2) and measured 1.32x its own start on PATH.
#[test]
fn a_runtime_by_path_or_copied_under_tmp_measures_as_on_path() {
    let _serial = serial();
    if !root_or_skip("peer fidelity") {
        return;
    }
    let (runc, crun) = (installed("runc"), installed("crun"));
    let copy = TmpCopy::of(&runc);
    let v = compare_json(
        "fidelity",
        &[
            "--strategies",
            "none",
            "--workload",
            "container-start",
            "--runtimes",
            "runc,crun",
            "--runtime",
            &format!("p={}", runc.display()),
            "--runtime",
            &format!("t={}", copy.0.display()),
            "--runtime",
            &format!("pc={}", crun.display()),
            "--reference",
            "runc",
            "--runs",
            "60",
        ],
    );
    for (a, b) in [("runc", "p"), ("runc", "t"), ("crun", "pc")] {
        let (ra, rb) = (row(&v, "container-start", a), row(&v, "container-start", b));
        for field in ["seal_observed", "data", "mount_events_per_start"] {
            assert!(!ra[field].is_null(), "{a}: no {field}: {ra}");
            assert_eq!(ra[field], rb[field], "{a} and {b} differ in {field}");
        }
    }
    // Within noise: the same binary, interleaved in the same rounds. The bound is wide
    // enough for a loaded machine and far below the 1.32x of a changed seal path.
    for name in ["p", "t"] {
        let ratio = row(&v, "container-start", name)["ratio"]["value"]
            .as_f64()
            .unwrap();
        assert!(
            (0.87..1.15).contains(&ratio),
            "{name}: ratio {ratio} to runc on PATH"
        );
    }
    let ratio_pc = {
        let c = row(&v, "container-start", "crun")["median"]
            .as_f64()
            .unwrap();
        row(&v, "container-start", "pc")["median"].as_f64().unwrap() / c
    };
    assert!((0.87..1.15).contains(&ratio_pc), "crun by path: {ratio_pc}");
}

/// Observed, not looked up: the copies give the container pages of their own, every view
/// of the host binary shares its pages; sealbench-runtime's full-start rows and the real
/// runtimes say so too, with their evidence.
#[test]
fn every_row_says_what_it_was_seen_to_seal_and_whether_its_data_is_shared() {
    let _serial = serial();
    if !root_or_skip("seal observed") {
        return;
    }
    let v = compare_json(
        "observed",
        &[
            "--strategies",
            "all",
            "--workload",
            "full-start,container-start",
            "--runtimes",
            "runc,crun,youki",
            "--runs",
            "3",
            "--warmup",
            "1",
        ],
    );
    let expect = [
        ("noclone", "none", "shared"),
        ("memfd", "memfd", "independent"),
        ("tmpfile", "tmpfile", "independent"),
        ("overlayfs", "overlayfs", "shared"),
        ("bind-ro", "detached-ro", "shared"),
        ("open-tree", "detached-ro", "shared"),
        ("bind-ro-host", "bindfd", "shared"),
        // One sealed copy bound over the binary's path: the host's next exec runs it too.
        ("memfd-bind", "memfd", "shared"),
        ("fallback", "overlayfs", "shared"),
    ];
    for workload in ["full-start", "container-start"] {
        for (name, seal, data) in expect {
            let r = row(&v, workload, name);
            assert_eq!(r["seal_observed"], seal, "{workload}/{name}: {r}");
            assert_eq!(r["data"], data, "{workload}/{name}: {}", r["data_evidence"]);
            assert!(r["seal_evidence"]
                .as_str()
                .is_some_and(|e| e.contains("exe ")));
            assert!(r["data_evidence"]
                .as_str()
                .is_some_and(|e| e.contains("frame")));
        }
    }
    let youki = row(&v, "container-start", "youki");
    assert_eq!(youki["seal_observed"], "memfd", "{youki}");
    assert_eq!(youki["data"], "independent");
    for peer in ["runc", "crun"] {
        let r = row(&v, "container-start", peer);
        assert_ne!(r["seal_observed"], "unknown", "{r}");
        assert!(!r["data"].is_null(), "{r}");
    }
    // runc's version names an expectation; where it disagrees the row says so, and here
    // (Debian's runc 1.1.5 on ext4) it agrees.
    let runc = row(&v, "container-start", "runc");
    if runc["version"]
        .as_str()
        .is_some_and(|s| s.contains("1.1.5"))
    {
        assert_eq!(runc["seal_observed"], "bindfd", "{runc}");
        assert_eq!(runc["seal_expected"], "bindfd");
    }
}

/// CVE-2019-5736's published path against the real runtimes, each from a decoy: every
/// attack is blocked, and the installed binaries are byte-identical afterwards.
#[test]
fn the_peer_audit_attacks_decoys_and_never_the_installed_binaries() {
    let _serial = serial();
    if !root_or_skip("peer audit") {
        return;
    }
    let sha = |p: &Path| {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(std::fs::read(p).unwrap()))
    };
    let bins: Vec<PathBuf> = ["runc", "crun", "youki"]
        .iter()
        .map(|n| installed(n))
        .collect();
    let before: Vec<String> = bins.iter().map(|p| sha(p)).collect();
    let dir = TempDir::new("peer-audit");
    let out = dir.path("a.json");
    run_ok(
        sealbench()
            .args([
                "audit",
                "--strategies",
                "none",
                "--runtimes",
                "runc,crun,youki",
                "--export-json",
            ])
            .arg(&out),
    );
    let after: Vec<String> = bins.iter().map(|p| sha(p)).collect();
    assert_eq!(before, after, "an installed runtime binary changed");
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["installed_intact"], true);
    assert_eq!(v["decoys_intact"], true);
    let peers = v["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 6, "{peers:?}");
    for f in peers {
        assert_eq!(f["outcome"], "blocked", "{f}");
        assert!(
            f["detail"]
                .as_str()
                .is_some_and(|d| d.contains("the decoy")),
            "the decoy's own seal is reported: {f}"
        );
    }
}

/// The A/B gate between two builds given by path: a wrapper that busy-waits 2 ms, then
/// execs runc, against a wrapper that execs it at once, is a regression; two identical
/// builds are not.
#[test]
fn the_ab_gate_sees_a_2ms_slowdown_between_two_builds_given_by_path() {
    let _serial = serial();
    if !root_or_skip("A/B gate by path") {
        return;
    }
    let runc = installed("runc");
    let dir = TempDir::new("ab-by-path");
    let build = |name: &str, delay_ns: u64| {
        let out = dir.path(name);
        let status = std::process::Command::new("gcc")
            .args([
                "-O2",
                &format!("-DREAL=\"{}\"", runc.display()),
                &format!("-DDELAY_NS={delay_ns}"),
                "-o",
            ])
            .arg(&out)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/slow-runtime.c"
            ))
            .status()
            .expect("gcc: scripts/setup.sh installs it");
        assert!(status.success());
        out
    };
    let (base, slow, same) = (build("base", 0), build("slow", 2_000_000), build("same", 0));
    // A wrapper's image is runc, not the wrapper: the observation says so and claims
    // nothing of its data (it once mapped the small wrapper past its end: SIGBUS).
    let json = dir.path("wrapper.json");
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
            .arg(format!("base={}", base.display()))
            .args(["--reference", "base", "--runs", "5", "--repeat", "1", "-q"])
            .arg("--export-json")
            .arg(&json),
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let r = row(&v, "container-start", "base");
    assert_eq!(r["status"], "ok", "{r}");
    assert!(r["data"] != "shared" && r["data"] != "independent", "{r}");
    assert!(
        r["data_evidence"]
            .as_str()
            .is_some_and(|e| e.contains("runs another program")),
        "{r}"
    );
    let gate = |cand: &Path| {
        sealbench()
            .args(["gate", "--runtime"])
            .arg(format!("base={}", base.display()))
            .arg("--runtime")
            .arg(format!("cand={}", cand.display()))
            .args(["--reference", "base", "--runs", "40", "-q"])
            .output()
            .unwrap()
    };
    let out = gate(&slow);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    let out = gate(&same);
    assert_ne!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
