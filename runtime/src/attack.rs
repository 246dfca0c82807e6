//! The audit's full-start attacker, CVE-2019-5736's real shape. sealbench's audit bundle
//! makes the container's process `/proc/self/exe __sealbench-attack ATTACK REPORT PAYLOAD`:
//! the container's init, a clone of this runtime, execs its own /proc/self/exe, so the
//! container's process runs the runtime binary (sealed or not) inside the container, as
//! the `#!/proc/self/exe` entrypoint of the original exploit did. From there it attacks:
//!
//! - `write-running`: open /proc/self/exe for writing while it runs;
//! - `write-parent-exe`: the runtime's own process, if it is visible (it is not: it lives
//!   outside the container's pid namespace);
//! - `reopen-after-exit`: hold /proc/self/exe O_PATH, exec a payload of its own (sealbench's
//!   `__attack`, bind-mounted read-only) so that nothing in the container runs the runtime
//!   binary any more, and have it reopen the held fd for writing once the runtime's
//!   `create` and `start` have exited.
//!
//! Report lines (`key value`) go to REPORT, a file in a directory the audit bound in; the
//! audit judges them with the same rules as its exec-true block.

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use std::io::Write;

/// Where the payload finds the report and the held fd, as sealbench's `__attack` expects.
const REPORT_FD: i32 = 3;
const HELD_FD: i32 = 4;

fn errno_number(r: Result<rustix::fd::OwnedFd, Errno>) -> i32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.raw_os_error(),
    }
}

/// Run one attack; the exit code is the container's.
pub fn run(args: &[String]) -> u8 {
    let (Some(attack), Some(report), Some(payload)) = (args.get(2), args.get(3), args.get(4))
    else {
        eprintln!("sealbench-runtime: __sealbench-attack ATTACK REPORT PAYLOAD");
        return 2;
    };
    let mut out = match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(report)
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("sealbench-runtime: open {report}: {e}");
            return 1;
        }
    };
    if let Ok(st) = rustix::fs::stat("/proc/self/exe") {
        let _ = writeln!(out, "exe-id {}:{}", st.st_dev, st.st_ino);
    }
    match attack.as_str() {
        "write-running" => {
            let r = rustix::fs::open(
                "/proc/self/exe",
                OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::empty(),
            );
            let _ = writeln!(out, "write-running {}", errno_number(r));
            0
        }
        "write-parent-exe" => {
            // pid 0: the parent is outside this pid namespace, as the runtime always is.
            let parent = rustix::process::getppid();
            match parent {
                None => {
                    let _ = writeln!(out, "write-parent-exe none");
                }
                Some(p) => {
                    let path = format!("/proc/{}/exe", p.as_raw_nonzero());
                    let r = rustix::fs::open(
                        path.as_str(),
                        OFlags::WRONLY | OFlags::CLOEXEC,
                        Mode::empty(),
                    );
                    let _ = writeln!(out, "write-parent-exe {}", errno_number(r));
                }
            }
            0
        }
        "reopen-after-exit" => reopen_after_exit(out, payload),
        other => {
            let _ = writeln!(out, "attack none unknown attack {other}");
            2
        }
    }
}

fn reopen_after_exit(out: std::fs::File, payload: &str) -> u8 {
    use std::os::fd::IntoRawFd;
    let held = match rustix::fs::open("/proc/self/exe", OFlags::PATH, Mode::empty()) {
        Ok(fd) => fd,
        Err(e) => {
            let mut out = out;
            let _ = writeln!(
                out,
                "attack {} open(/proc/self/exe, O_PATH)",
                e.raw_os_error()
            );
            return 1;
        }
    };
    // The payload expects the report on fd 3 and the held fd on fd 4, both kept over exec.
    let (report, held) = (out.into_raw_fd(), held.into_raw_fd());
    // SAFETY: fcntl and dup2 on fds this process owns, in a single-threaded process.
    // Both are first moved above the fixed numbers (either may already sit on 3 or 4, and
    // dup2 of an fd onto itself would keep its close-on-exec flag), then placed.
    unsafe {
        let (r, h) = (
            libc::fcntl(report, libc::F_DUPFD, 10),
            libc::fcntl(held, libc::F_DUPFD, 10),
        );
        if r < 0 || h < 0 || libc::dup2(r, REPORT_FD) < 0 || libc::dup2(h, HELD_FD) < 0 {
            return 1;
        }
    }
    let err = std::os::unix::process::CommandExt::exec(
        std::process::Command::new(payload).args(["__attack", "reopen-after-exit"]),
    );
    eprintln!("sealbench-runtime: exec {payload}: {err}");
    let _ = std::io::stderr().flush();
    1
}
