//! Builds stage 2 (src/stage2/main.rs) as its own static no_std program. Static, as runc
//! and runc-dmz are, because container-start execs it after pivot_root, where the
//! container's rootfs has no dynamic loader; no_std, because a std binary also loads
//! libgcc_s, which costs ~8% of an exec-true start. It cannot be an ordinary bin target:
//! no_std needs panic=abort, and a profile sets that for every target of a package.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let src = "src/stage2/main.rs";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/stage2/fds.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("sealbench-stage2");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let status = Command::new(rustc)
        .args([
            "--edition=2021",
            "--crate-type=bin",
            "--crate-name=sealbench_stage2",
        ])
        .args([
            "-Copt-level=3",
            "-Cpanic=abort",
            "-Cstrip=symbols",
            "-Ctarget-feature=+crt-static",
        ])
        // Static glibc with rust-lld gives a binary that crashes at start; the system
        // linker gets it right. Static glibc itself needs libgcc's unwinder stubs.
        .args([
            "-Clinker-features=-lld",
            "-Clink-arg=-lgcc_eh",
            "-Clink-arg=-lgcc",
            "-Clink-arg=-lc",
        ])
        .arg("-o")
        .arg(&out)
        .arg(src)
        .status()
        .expect("run rustc for stage 2");
    assert!(status.success(), "building stage 2 failed");
}
