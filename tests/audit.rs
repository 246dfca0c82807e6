//! `sealbench audit` on this kernel, and the four strategies it brought.

mod common;
use common::*;

#[test]
fn audit_matrix_is_the_recorded_one_and_leaves_decoys_and_host_intact() {
    if !root_or_skip("audit") {
        return;
    }
    let _serial = serial();
    let before = HostState::now();
    let dir = TempDir::new("audit");
    let json_path = dir.path("audit.json");
    let md_path = dir.path("audit.md");
    // Exit 0 means every outcome equals the one recorded in the source for this kernel.
    let out = run_ok(
        sealbench()
            .args(["audit", "--strategies", "all", "--export-json"])
            .arg(&json_path)
            .arg("--export-markdown")
            .arg(&md_path),
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(v["schema"], "sealbench-audit/1");
    assert_eq!(
        v["decoys_intact"], true,
        "a decoy was not byte-identical after the audit"
    );
    let results = v["results"].as_array().unwrap();
    let strategies: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["strategy"].as_str().unwrap())
        .collect();
    assert!(strategies.len() >= 9, "{strategies:?}");
    let attacks = [
        "write-running",
        "write-parent-exe",
        "reopen-after-exit",
        "remount-rw",
        "open-by-handle",
        "truncate-sealed",
        "shares-page-cache",
    ];
    assert_eq!(results.len(), strategies.len() * attacks.len());
    for r in results {
        assert!(attacks.contains(&r["attack"].as_str().unwrap()), "{r}");
        assert!(!r["explanation"].as_str().unwrap().is_empty(), "{r}");
        assert!(
            ["blocked", "writable", "not-applicable", "yes", "no"]
                .contains(&r["outcome"].as_str().unwrap()),
            "{r}"
        );
    }
    // The unprotected baseline must be writable after exit: the audit can find a hole.
    let cell = |s: &str, a: &str| {
        results
            .iter()
            .find(|r| r["strategy"] == s && r["attack"] == a)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(cell("noclone", "reopen-after-exit"), "writable");
    assert_eq!(cell("memfd", "reopen-after-exit"), "blocked");
    // The full-start block: CVE-2019-5736 from inside a real container of the libcontainer
    // runtime. Unsealed, the container rewrites the runtime binary once the runtime has
    // exited; sealed by a copy or an overlay, it cannot.
    let full = v["full_start"].as_array().expect("a full-start block");
    let full_cell = |s: &str, a: &str| {
        full.iter()
            .find(|r| r["strategy"] == s && r["attack"] == a)
            .unwrap_or_else(|| panic!("no full-start {s}/{a}"))["outcome"]
            .clone()
    };
    assert_eq!(full.len(), strategies.len() * 3, "{full:?}");
    assert_eq!(full_cell("noclone", "reopen-after-exit"), "writable");
    for s in ["memfd", "overlayfs", "memfd-bind"] {
        assert_eq!(full_cell(s, "reopen-after-exit"), "blocked", "{s}");
    }
    assert_eq!(full_cell("noclone", "write-parent-exe"), "not-applicable");
    assert!(
        table.contains("full start, from inside a container"),
        "{table}"
    );
    assert!(
        table.contains("open-by-handle")
            && std::fs::read_to_string(&md_path)
                .unwrap()
                .contains("| noclone |")
    );
    assert_eq!(HostState::now(), before);
}

#[test]
fn the_new_strategies_run_stage_2_from_the_sealed_object() {
    if !root_or_skip("new strategies") {
        return;
    }
    let _serial = serial();
    let exe = |v: &serde_json::Value| v["report"]["exe"].as_str().unwrap().to_string();
    let tmpfile = inspect("tmpfile", "exec-true");
    assert_eq!(tmpfile["exe_is_decoy"], false, "{tmpfile}");
    assert!(
        exe(&tmpfile).ends_with("(deleted)"),
        "an O_TMPFILE file has no name: {tmpfile}"
    );
    let open_tree = inspect("open-tree", "exec-true");
    assert_eq!(
        open_tree["exe_is_decoy"], true,
        "the same inode through a detached read-only mount: {open_tree}"
    );
    assert_eq!(exe(&open_tree), "/");
    let dmz = inspect("dmz", "exec-true");
    assert!(
        exe(&dmz).starts_with("/memfd:sealbench-dmz"),
        "what the container runs is the sealed init: {dmz}"
    );
    let fallback = inspect("fallback", "exec-true");
    assert_eq!(
        exe(&fallback),
        "/sealbench-stage2",
        "overlayfs is available here: {fallback}"
    );
    for v in [&tmpfile, &open_tree, &dmz, &fallback] {
        assert_eq!(v["decoy_unchanged"], true);
    }
}

#[test]
fn compare_runs_the_new_strategies_and_names_what_fallback_used() {
    if !root_or_skip("compare new strategies") {
        return;
    }
    let v = compare_json(
        "compare-new",
        &[
            "--strategies",
            "tmpfile,open-tree,dmz,fallback",
            "--runs",
            "5",
            "--warmup",
            "1",
        ],
    );
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["status"], "ok", "{r}");
    }
    let fallback = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == "fallback")
        .unwrap();
    assert_eq!(fallback["used"], "overlayfs");
}

/// The runtime's stand-in must still run when stage 2 opens its parent's exe: with
/// descriptors 4 and 5 inherited open (a QEMU guest's init leaves its console ports
/// there), the stand-in's sync pipe came out as fds 7 and 8, the write end was put on top
/// of the read end, and the stand-in exited at once; stage 2 then checked sealbench's own
/// exe instead (ETXTBSY on a host, ENOENT on a guest's shared filesystem).
#[test]
fn write_parent_exe_checks_the_stand_in_whatever_descriptors_are_inherited() {
    if !root_or_skip("audit with inherited descriptors") {
        return;
    }
    let _serial = serial();
    let dir = TempDir::new("audit-fds");
    let json_path = dir.path("audit.json");
    let mut cmd = sealbench();
    cmd.args([
        "audit",
        "--workload",
        "exec-true",
        "--strategies",
        "noclone,memfd",
        "--export-json",
    ])
    .arg(&json_path);
    // SAFETY: dup2 of an open descriptor onto 4 and 5, between fork and exec; dup2 leaves
    // the copies without close-on-exec, as an inherited descriptor is.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            for fd in [4, 5] {
                if libc::dup2(2, fd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    run_ok(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    for s in ["noclone", "memfd"] {
        let cell = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["strategy"] == s && r["attack"] == "write-parent-exe")
            .unwrap_or_else(|| panic!("no {s}/write-parent-exe: {v}"));
        assert_eq!(cell["outcome"], "blocked", "{s}: {cell}");
        assert_eq!(cell["errno"], "ETXTBSY", "{s}: {cell}");
    }
}
