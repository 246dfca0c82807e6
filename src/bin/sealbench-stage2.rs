//! Stage 2, sealbench's analogue of `runc init`: the runtime binary that every strategy
//! seals. The run copies it into its private scratch space and pads it to `--exe-size`.
//!
//! `sealbench-stage2 PAYLOAD [ARGS…]` execs the payload at once, without allocating, so
//! that a start costs what a real runtime's re-exec costs and nothing more.
//!
//! `sealbench-stage2 --inspect PAYLOAD [ARGS…]` first reports, one `key value` line each on
//! fd 3, what the container side sees of the sealed binary, then holds an O_PATH fd to
//! `/proc/self/exe` on fd 4 for the payload, as CVE-2019-5736's exploit does.
#![no_main]

use std::ffi::{c_char, c_int, CStr};

const REPORT_FD: c_int = 3;
const HELD_FD: c_int = 4;

#[no_mangle]
pub extern "C" fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    if argc < 2 {
        return usage();
    }
    // SAFETY: the kernel passes argc valid, NUL-terminated strings in a NULL-terminated argv.
    let first = unsafe { CStr::from_ptr(*argv.add(1)) };
    if first.to_bytes() == b"--inspect" {
        if argc < 3 {
            return usage();
        }
        inspect();
        // SAFETY: argv + 2 is still a NULL-terminated array of C strings.
        return exec(unsafe { argv.add(2) }, envp);
    }
    // SAFETY: as above.
    exec(unsafe { argv.add(1) }, envp)
}

fn exec(argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    // SAFETY: argv[0] is the payload path and argv, envp are NULL-terminated.
    unsafe { libc::execve(*argv, argv, envp) };
    let _ = rustix::io::write(rustix::stdio::stderr(), b"sealbench-stage2: cannot exec the payload\n");
    127
}

fn usage() -> c_int {
    let _ = rustix::io::write(rustix::stdio::stderr(), b"usage: sealbench-stage2 [--inspect] PAYLOAD [ARGS...]\n");
    2
}

fn inspect() {
    use rustix::fs::{Mode, OFlags};
    let exe = rustix::fs::readlink(c"/proc/self/exe", Vec::new())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|e| format!("unreadable:{}", strategies::errno_name(e)));
    let running = match rustix::fs::open(c"/proc/self/exe", OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty()) {
        Ok(_) => "ok".to_string(),
        Err(e) => strategies::errno_name(e).to_string(),
    };
    let report = format!("exe {exe}\nwrite-running {running}\n");
    // SAFETY: REPORT_FD is the pipe the parent placed there for this report.
    let out = unsafe { rustix::fd::BorrowedFd::borrow_raw(REPORT_FD) };
    let _ = rustix::io::write(out, report.as_bytes());
    // Without CLOEXEC, so that it survives into the payload, and placed on HELD_FD.
    if let Ok(held) = rustix::fs::open(c"/proc/self/exe", OFlags::PATH, Mode::empty()) {
        use std::os::fd::IntoRawFd;
        let raw = held.into_raw_fd();
        if raw != HELD_FD {
            // SAFETY: HELD_FD is reserved for this by the parent's spawn; `raw` is ours.
            unsafe {
                libc::dup2(raw, HELD_FD);
                libc::close(raw);
            }
        }
    }
}
