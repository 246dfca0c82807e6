//! Side effects and sweeps: properties, not timings.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn compare(args: &[&str]) -> serde_json::Value {
    compare_json("side-effects", args)
}

fn row<'a>(v: &'a serde_json::Value, strategy: &str) -> &'a serde_json::Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == strategy)
        .unwrap()
}

#[test]
fn mount_events_and_memory_per_live_container() {
    if !root_or_skip("side effects") {
        return;
    }
    let _serial = serial();
    let v = compare(&[
        "--strategies",
        "memfd,overlayfs,bind-ro-host",
        "--runs",
        "5",
        "--warmup",
        "1",
        "--exe-size",
        "8MiB",
    ]);
    let events = |s: &str| row(&v, s)["mount_events_per_start"].as_f64().unwrap();
    assert!(row(&v, "overlayfs")["mount_events_method"].is_string());
    // The host-namespace bind of runc 1.1: a mount and an unmount per start.
    assert!(
        (events("bind-ro-host") - 2.0).abs() < 0.5,
        "{}",
        events("bind-ro-host")
    );
    assert!(
        events("overlayfs") < 0.5,
        "fsmount's mount is anonymous: {}",
        events("overlayfs")
    );
    assert!(events("memfd") < 0.5);
    let memory = |s: &str| row(&v, s)["extra_memory_bytes_per_live"].as_f64().unwrap();
    let exe = 8.0 * 1048576.0;
    // Each live container keeps its own copy of the binary with memfd, nothing with overlayfs.
    assert!(
        (memory("memfd") - exe).abs() < 0.25 * exe,
        "memfd: {} per live",
        memory("memfd")
    );
    assert!(
        memory("overlayfs").abs() < 0.1 * exe,
        "overlayfs: {} per live",
        memory("overlayfs")
    );
    assert!(row(&v, "memfd")["max_rss_bytes"].as_u64().unwrap() > 0);
    // Exact counters, for every start of every row that ran.
    let counters = row(&v, "memfd")["counters_per_start"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        counters,
        row(&v, "memfd")["times"].as_array().unwrap().len()
    );
}

/// The charge probes' cgroups (`sealbench-<pid>-charge-<n>`) anywhere a few levels below
/// `dir`.
fn charge_cgroups(dir: &Path, depth: u32) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("sealbench-") && name.contains("-charge-") {
            out.push(path.clone());
        }
        if depth < 5 {
            out.extend(charge_cgroups(&path, depth + 1));
        }
    }
    out
}

#[test]
fn a_copy_made_in_the_containers_cgroup_is_charged_to_it() {
    if !root_or_skip("the memory-cgroup charge") {
        return;
    }
    let _serial = serial();
    let v = compare(&[
        "--strategies",
        "noclone,memfd,memfd-bind,overlayfs",
        "--workload",
        "container-start,full-start",
        "--runs",
        "5",
        "--warmup",
        "1",
        "--exe-size",
        "16MiB",
    ]);
    let how = v["host"]["memory_charge"].as_str().unwrap();
    // With a v1 memory hierarchy the probe must work; on cgroup v2 only where the memory
    // controller is handed to this process's children (a process in the root cgroup).
    let v1 = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap()
        .lines()
        .any(|l| {
            l.split(':')
                .nth(1)
                .is_some_and(|c| c.split(',').any(|c| c == "memory"))
        });
    if how.starts_with("unavailable") && !v1 {
        eprintln!("SKIPPED the memory-cgroup charge on this cgroup v2 host: {how}");
        return;
    }
    assert!(!how.starts_with("unavailable"), "{how}");
    // Every probe's cgroup is gone again.
    assert_eq!(
        charge_cgroups(Path::new("/sys/fs/cgroup"), 0),
        Vec::<PathBuf>::new()
    );
    let exe = 16.0 * 1048576.0;
    for w in ["container-start", "full-start"] {
        let row = |s: &str| {
            v["results"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["strategy"] == s && r["workload"] == w)
                .unwrap()
                .clone()
        };
        let charge = |s: &str| row(s)["container_memory_charge_bytes"].as_f64().unwrap();
        // memfd copies the binary on every start, after the start has joined the cgroup;
        // the others seal without a per-start copy (memfd-bind's copy is made once,
        // outside).
        let extra = charge("memfd") - charge("noclone");
        assert!(
            (extra - exe).abs() < 0.1 * exe,
            "{w}/memfd: +{extra} bytes over noclone"
        );
        for s in ["memfd-bind", "overlayfs"] {
            let extra = charge(s) - charge("noclone");
            assert!(
                extra.abs() < 0.1 * exe,
                "{w}/{s}: {extra:+} bytes over noclone"
            );
        }
        // A full start's runtime runs its container to the end: nothing is held alive to
        // count memory per live container.
        let held = row("memfd").get("extra_memory_bytes_per_live").is_some();
        assert_eq!(held, w == "container-start", "{w}");
    }
    // Not measured for a workload without a container.
    let ev = compare(&["--strategies", "noclone", "--runs", "3", "--warmup", "0"]);
    assert!(row(&ev, "noclone")
        .get("container_memory_charge_bytes")
        .is_none());
}

#[test]
fn an_exe_size_sweep_shows_memfd_growing_and_overlayfs_flat() {
    if !root_or_skip("sweep") {
        return;
    }
    let _serial = serial();
    let dir = TempDir::new("sweep");
    let out = dir.path("s.json");
    run_ok(
        sealbench()
            .args([
                "sweep",
                "--param",
                "exe-size",
                "--values",
                "1M,32M",
                "--strategies",
                "memfd,overlayfs",
                "--runs",
                "20",
                "-q",
            ])
            .arg("--export-json")
            .arg(&out)
            .arg("--plot")
            .arg(dir.path("plots")),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "sealbench-sweep/1");
    let row = |s: &str, value: &str| {
        let r = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["strategy"] == s && r["value"] == value)
            .unwrap()
            .clone();
        assert_eq!(
            r["value_num"].as_f64().unwrap(),
            if value == "1M" { 1048576.0 } else { 33554432.0 }
        );
        r
    };
    // Every value ran in the same rounds.
    let rounds = |r: &serde_json::Value| r["rounds"].as_array().unwrap().clone();
    assert_eq!(
        rounds(&row("memfd", "1M")),
        rounds(&row("overlayfs", "32M"))
    );
    // Growth as interleaved ratios with CIs: the copy grows with the binary, the overlay
    // does not (its CI reaches below 1.1), with margins wide enough for a loaded machine.
    let growth = |s: &str| {
        let g = &row(s, "32M")["growth"];
        assert_eq!(g["from"], "1M");
        [
            g["ci95"][0].as_f64().unwrap(),
            g["ci95"][1].as_f64().unwrap(),
        ]
    };
    let [memfd_lo, _] = growth("memfd");
    let [overlay_lo, overlay_hi] = growth("overlayfs");
    assert!(
        memfd_lo > 2.0,
        "memfd grew only ({memfd_lo:.2}..) from 1M to 32M"
    );
    assert!(
        overlay_lo < 1.1,
        "overlayfs grew ({overlay_lo:.2}..{overlay_hi:.2}) from 1M to 32M"
    );
    for f in ["sweep-exe-size.svg", "sweep-exe-size.png"] {
        assert!(
            std::fs::metadata(dir.path("plots").join(f)).unwrap().len() > 5_000,
            "{f}"
        );
    }
}

#[test]
fn rootless_overlayfs_runs() {
    if !root_or_skip("rootless") {
        return;
    }
    // As root, --rootless drops to nobody before it makes its user namespace, so this
    // shows what runs with no privilege at all.
    let v = compare(&[
        "--rootless",
        "--strategies",
        "overlayfs,noclone",
        "--workload",
        "all",
        "--runs",
        "3",
        "--warmup",
        "1",
    ]);
    for r in v["results"].as_array().unwrap() {
        if r["workload"] == "full-start" {
            // A whole runtime creates cgroups: that takes real root, and it says so.
            assert_eq!(r["status"], "unsupported", "{r}");
            assert!(r["reason"].as_str().unwrap().contains("real root"), "{r}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
}

#[test]
fn a_host_mounts_sweep_interleaves_its_values_in_namespaces_of_their_own() {
    if !root_or_skip("host-mounts sweep") {
        return;
    }
    let _serial = serial();
    let before = HostState::now();
    let dir = TempDir::new("sweep-mounts");
    let out = dir.path("s.json");
    run_ok(
        sealbench()
            .args(["sweep", "--param", "host-mounts", "--values", "0,2000"])
            .args([
                "--strategies",
                "bind-ro,overlayfs",
                "--runs",
                "20",
                "-q",
                "--export-json",
            ])
            .arg(&out),
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let rows = v["results"].as_array().unwrap();
    let growth = |s: &str| {
        let r = rows
            .iter()
            .find(|r| r["strategy"] == s && r["value"] == "2000")
            .unwrap();
        r["growth"]["ci95"][0].as_f64().unwrap()
    };
    // bind-ro copies the whole mount table into a new namespace per start.
    assert!(
        growth("bind-ro") > 1.2,
        "bind-ro grew only ({:.2}..)",
        growth("bind-ro")
    );
    assert_eq!(
        HostState::now(),
        before,
        "the sweep's namespaces outlived it"
    );
    let refused = sealbench()
        .args(["sweep", "--param", "host-mounts", "--values", "0,10,0"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("repeats"));
}
