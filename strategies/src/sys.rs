//! Kernel operations that more than one strategy needs, and most of the crate's `unsafe`
//! (the rest is in `bind_ro.rs` and `memfd_bind.rs`, each block with its SAFETY note).

use crate::{Error, Result, ResultExt};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{MemfdFlags, SealFlags};
use rustix::io::Errno;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};

/// The seals runc puts on its memfd copy: no more seals, no size change, no writes.
pub const COPY_SEALS: SealFlags = SealFlags::SEAL
    .union(SealFlags::SHRINK)
    .union(SealFlags::GROW)
    .union(SealFlags::WRITE);

/// `MFD_EXEC` is refused with EINVAL before Linux 6.3; after the first refusal we stop asking.
static MFD_EXEC_REFUSED: AtomicBool = AtomicBool::new(false);

/// The runtime binary opened for reading, per start, as runc opens /proc/self/exe.
pub fn open_binary(exe: &CStr) -> Result<OwnedFd> {
    rustix::fs::open(
        exe,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ctx(|| format!("open({exe:?})"))
}

/// A new memfd that can be sealed and executed.
pub fn executable_memfd(name: &CStr) -> Result<OwnedFd> {
    executable_memfd_errno(name).ctx(|| "memfd_create".into())
}

/// [`executable_memfd`] with the kernel's answer alone: allocation-free, for a forked child
/// that may make raw syscalls only (see [`fork_with`]).
pub fn executable_memfd_errno(name: &CStr) -> std::result::Result<OwnedFd, Errno> {
    let base = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    if !MFD_EXEC_REFUSED.load(Ordering::Relaxed) {
        match rustix::fs::memfd_create(name, base | MemfdFlags::EXEC) {
            Err(Errno::INVAL) => MFD_EXEC_REFUSED.store(true, Ordering::Relaxed),
            other => return other,
        }
    }
    rustix::fs::memfd_create(name, base)
}

/// Copy all of `src` into `dst` with sendfile: copy_file_range from ext4 into a memfd is
/// refused with EXDEV, and a read/write loop would bounce every page through user space.
pub fn copy_all(dst: impl AsFd, src: impl AsFd) -> Result<u64> {
    let len = rustix::fs::fstat(&src)
        .ctx(|| "fstat(runtime binary)".into())?
        .st_size as u64;
    let mut offset = 0u64;
    while offset < len {
        let chunk = (len - offset).min(1 << 30) as usize;
        match rustix::fs::sendfile(&dst, &src, Some(&mut offset), chunk) {
            Ok(0) => {
                return Err(Error::msg(format!(
                    "sendfile: source ended at {offset} of {len} bytes"
                )))
            }
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e).ctx(|| "sendfile(runtime binary -> copy)".into()),
        }
    }
    Ok(len)
}

/// Seal a copy the way runc does. F_ADD_SEALS has been seen to answer EBUSY about once in
/// 6000 starts (a transient page reference), so it is retried a few times.
pub fn add_seals(fd: impl AsFd, seals: SealFlags) -> Result<()> {
    let mut tries = 0;
    loop {
        match rustix::fs::fcntl_add_seals(&fd, seals) {
            Err(Errno::BUSY) if tries < 100 => {
                tries += 1;
                std::thread::yield_now();
            }
            other => return other.ctx(|| "fcntl(F_ADD_SEALS)".into()),
        }
    }
}

/// A sealed, executable memfd copy of the file behind `src`.
pub fn sealed_memfd_copy(name: &CStr, src: impl AsFd) -> Result<OwnedFd> {
    let memfd = executable_memfd(name)?;
    copy_all(&memfd, src)?;
    add_seals(&memfd, COPY_SEALS)?;
    Ok(memfd)
}

/// Fork a child that runs `child` and `_exit`s with its return value. The child gets
/// SIGKILL when this thread exits, so nothing it does can outlive sealbench.
///
/// # Safety
/// If the caller may be multi-threaded, `child` must make async-signal-safe calls only:
/// raw syscalls on data prepared before the call. No allocation, no locks, no panics
/// (another thread may have held the allocator's lock at the fork). A caller that is
/// single-threaded at the fork (checked, as sealbench's worker does) has no other thread
/// whose locks could be copied held, and its child may do anything a process may.
pub unsafe fn fork_with(child: impl FnOnce() -> i32) -> Result<rustix::process::Pid> {
    let parent = rustix::process::getpid();
    let flags = 0;
    // SAFETY: a raw clone with no new stack behaves as fork(2): the child continues on a
    // copy of this stack. Only the async-signal-safe `child` runs there, then `_exit`.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            std::ptr::null_mut::<libc::c_void>(),
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_int>(),
            0 as libc::c_ulong,
        )
    };
    if pid < 0 {
        return Err(Errno::from_raw_os_error(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        ))
        .ctx(|| "clone".into());
    }
    if pid == 0 {
        let code = armed_child(parent, flags, child);
        // SAFETY: _exit skips atexit handlers and stdio flushing, which belong to the parent.
        unsafe { libc::_exit(code) }
    }
    // SAFETY: clone returned a positive pid.
    Ok(unsafe { rustix::process::Pid::from_raw_unchecked(pid as i32) })
}

/// Arm the death signal, then run `child`, in a new child process (forked here, or
/// spawned by the driver's process layer).
pub fn armed_child(
    parent: rustix::process::Pid,
    flags: libc::c_int,
    child: impl FnOnce() -> i32,
) -> i32 {
    let dead =
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    // The parent may have died before the death signal was armed. In a new pid namespace
    // the parent is outside it and getppid() says 0, so that check is moot.
    let ppid = rustix::process::getppid();
    let orphaned = ppid != Some(parent) && !(flags & libc::CLONE_NEWPID != 0 && ppid.is_none());
    if dead.is_err() || orphaned {
        125
    } else {
        child()
    }
}

/// Close every fd from 3 up except those in `keep` (sorted in place). Allocation-free, for
/// a forked child that never execs: CLOEXEC does nothing for it, and a pipe end it keeps by
/// accident (another keeper's control pipe, say) stops that pipe from ever reporting EOF.
pub fn close_all_except(keep: &mut [std::os::fd::RawFd]) {
    let close_range = |first: u32, last: u32| {
        // SAFETY: closing descriptors this child owns copies of and will not use.
        let r = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
        if r != 0 {
            // Before Linux 5.9: one by one, up to a limit no keeper gets near.
            for fd in first..last.min(4096).saturating_add(1) {
                // SAFETY: as above.
                unsafe { libc::close(fd as libc::c_int) };
            }
        }
    };
    keep.sort_unstable();
    let mut from: u32 = 3;
    for &k in keep.iter() {
        let k = k as u32;
        if k >= from {
            if k > from {
                close_range(from, k - 1);
            }
            from = k + 1;
        }
    }
    close_range(from, u32::MAX);
}

/// Put process `pid` back under the ordinary scheduling policy (SCHED_OTHER, nice as it
/// was), best effort: a SCHED_IDLE process on CPUs that other work keeps busy gets too
/// little CPU to exit, even of SIGKILL, for seconds. Unprivileged, the kernel may refuse
/// (RLIMIT_NICE); then the process ends as it can.
pub fn schedule_ordinary(pid: libc::pid_t) {
    // SAFETY: sched_setscheduler with a valid sched_param; a failure changes nothing.
    unsafe {
        libc::sched_setscheduler(
            pid,
            libc::SCHED_OTHER,
            &libc::sched_param { sched_priority: 0 },
        )
    };
}

/// Reap `pid`, retrying on EINTR, and return its wait status and resource usage.
pub fn wait4(pid: rustix::process::Pid) -> Result<(libc::c_int, libc::rusage)> {
    let mut status = 0;
    // SAFETY: rusage is plain data; zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both out-pointers point to live locals of the right type.
        let r = unsafe { libc::wait4(pid.as_raw_nonzero().get(), &mut status, 0, &mut usage) };
        if r >= 0 {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e).ctx(|| format!("wait4({})", pid.as_raw_nonzero()));
        }
    }
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`, which rustix does not wrap. Returns only
/// on failure. Allocation-free, so it may run between fork and exec.
///
/// # Safety
///
/// `argv` and `envp` must each point to a NULL-terminated array of pointers to
/// NUL-terminated strings, all alive until the call returns (or the exec succeeds).
pub unsafe fn execveat_fd(
    fd: impl AsFd,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
) -> Errno {
    use std::os::fd::AsRawFd;
    // SAFETY: argv and envp are as the caller promised (see # Safety); the empty path is a
    // valid C string.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd.as_fd().as_raw_fd(),
            c"".as_ptr(),
            argv,
            envp,
            libc::AT_EMPTY_PATH,
        )
    };
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// The kernel's `struct mount_attr` (MOUNT_ATTR_SIZE_VER0).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH, …)` on the mount behind `fd`, which rustix does
/// not wrap.
pub fn mount_setattr(
    fd: impl AsFd,
    set: rustix::mount::MountAttrFlags,
    clear: rustix::mount::MountAttrFlags,
) -> std::result::Result<(), Errno> {
    use std::os::fd::AsRawFd;
    let attr = MountAttr {
        attr_set: u64::from(set.bits()),
        attr_clr: u64::from(clear.bits()),
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: a valid C string path and a pointer to a live mount_attr of the given size.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_fd().as_raw_fd(),
            c"".as_ptr(),
            libc::AT_EMPTY_PATH as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        Err(Errno::from_raw_os_error(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        ))
    } else {
        Ok(())
    }
}
