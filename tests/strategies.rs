//! Each strategy, for real: stage 2 runs from the sealed object, and a container-side
//! write to the (decoy) runtime binary fails with the kernel's answer measured here.

mod common;
use common::*;

/// The outcome word of a report line (`ok`, or an errno name), without its detail.
fn report<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    let line = v["report"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"));
    line.split_whitespace().next().unwrap_or("")
}

#[test]
fn noclone_runs_the_binary_itself_and_leaves_it_writable_after_exit() {
    if !root_or_skip("noclone") {
        return;
    }
    let v = inspect("noclone", "exec-true");
    assert_eq!(v["exe_is_decoy"], true, "{v}");
    assert_eq!(report(&v, "write-running"), "ETXTBSY");
    // The vulnerability the others exist to prevent: once nothing runs the binary, the
    // held fd reopens for writing and the write goes through.
    assert_eq!(report(&v, "attack"), "ok", "{v}");
    assert_eq!(
        v["decoy_unchanged"], true,
        "the rewrite wrote the same byte back"
    );
}

#[test]
fn memfd_runs_a_sealed_copy() {
    if !root_or_skip("memfd") {
        return;
    }
    let v = inspect("memfd", "exec-true");
    assert!(
        report(&v, "exe").starts_with("/memfd:sealbench-memfd"),
        "{v}"
    );
    assert_eq!(v["exe_is_decoy"], false);
    assert_eq!(report(&v, "write-running"), "ETXTBSY");
    assert_eq!(
        report(&v, "attack"),
        "EPERM",
        "F_SEAL_WRITE refuses the write"
    );
    assert_eq!(v["decoy_unchanged"], true);
}

#[test]
fn memfd_bind_runs_the_bound_sealed_copy() {
    if !root_or_skip("memfd-bind") {
        return;
    }
    let v = inspect("memfd-bind", "exec-true");
    assert!(
        report(&v, "exe").starts_with("/memfd:sealbench-memfd-bind"),
        "{v}"
    );
    assert_eq!(report(&v, "write-running"), "ETXTBSY");
    assert_eq!(report(&v, "attack"), "EPERM");
    assert_eq!(v["decoy_unchanged"], true);
}

#[test]
fn bind_ro_runs_the_binary_through_a_detached_read_only_bind() {
    if !root_or_skip("bind-ro") {
        return;
    }
    let v = inspect("bind-ro", "exec-true");
    // The same inode, seen through a detached mount whose root is the file itself.
    assert_eq!(v["exe_is_decoy"], true, "{v}");
    assert_eq!(report(&v, "exe"), "/");
    assert_eq!(report(&v, "write-running"), "ETXTBSY");
    assert_eq!(report(&v, "attack"), "EROFS");
    assert_eq!(v["decoy_unchanged"], true);
}

#[test]
fn overlayfs_runs_the_file_in_the_detached_overlay() {
    if !root_or_skip("overlayfs") {
        return;
    }
    let v = inspect("overlayfs", "exec-true");
    // Path relative to the detached overlay's root; not the decoy's inode.
    assert_eq!(report(&v, "exe"), "/sealbench-stage2", "{v}");
    assert_eq!(v["exe_is_decoy"], false);
    // The overlay superblock is read-only, which is checked before the write count.
    assert_eq!(report(&v, "write-running"), "EROFS");
    assert_eq!(report(&v, "attack"), "EROFS");
    assert_eq!(v["decoy_unchanged"], true);
}
