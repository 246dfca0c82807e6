//! The driver's raw process syscalls: a vfork-style spawn, waiting for an exit without
//! reaping, and execve by path. The strategies crate keeps what sealing needs (fork for
//! memfd-bind's keeper, execveat of a sealed fd, wait4); this is the rest. Each `unsafe`
//! block has its SAFETY note.

use crate::error::Result;
use rustix::io::Errno;
use std::ffi::CStr;
use strategies::sys::armed_child;
use strategies::ResultExt;

/// Start a child for an exec, as posix_spawn and Go's os/exec do: `CLONE_VM|CLONE_VFORK`,
/// so the child runs `child` on a stack of its own in this address space while this thread
/// waits until it execs or exits. No page tables are copied, so a start costs the same
/// whatever sealbench's own size. `flags` adds `CLONE_NEW*` namespaces.
///
/// # Safety
/// `child` runs in this process's memory: it may only make syscalls on data prepared
/// before the call and write to its own locals; it must exec, or return an exit code.
pub unsafe fn spawn_with<F: FnOnce() -> i32>(
    flags: libc::c_int,
    child: F,
) -> Result<rustix::process::Pid> {
    struct Start<F> {
        child: std::mem::ManuallyDrop<F>,
        parent: rustix::process::Pid,
        flags: libc::c_int,
        mask: libc::sigset_t,
    }
    extern "C" fn trampoline<F: FnOnce() -> i32>(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the Start below, alive until this child execs or exits. The
        // closure is moved out by a plain read (no write to the shared memory) and runs
        // at most once.
        let code = unsafe {
            let start = &*(arg as *const Start<F>);
            // Signals stay blocked until here, so no handler of the parent's runs on
            // this stack; the payload gets the parent's mask back.
            libc::pthread_sigmask(libc::SIG_SETMASK, &start.mask, std::ptr::null_mut());
            let child = std::ptr::read(&*start.child);
            armed_child(start.parent, start.flags, child)
        };
        // SAFETY: _exit skips atexit handlers and stdio flushing, which belong to the parent.
        unsafe { libc::_exit(code) }
    }
    let mut stack = vec![0u8; 256 << 10];
    // SAFETY: the top of the allocation, rounded down to the 16 bytes the ABI wants.
    let top = unsafe { stack.as_mut_ptr().add(stack.len()) } as usize & !15;
    // SAFETY: sigset_t is plain data; the calls fill it in.
    let mut start = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        Start {
            child: std::mem::ManuallyDrop::new(child),
            parent: rustix::process::getpid(),
            flags,
            mask: old,
        }
    };
    // SAFETY: the stack and `start` outlive the child's use of them, since CLONE_VFORK
    // suspends this thread until the child has exec'd or exited.
    let pid = unsafe {
        libc::clone(
            trampoline::<F>,
            top as *mut libc::c_void,
            flags | libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &mut start as *mut _ as *mut libc::c_void,
        )
    };
    let err = std::io::Error::last_os_error();
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &start.mask, std::ptr::null_mut()) };
    drop(stack);
    if pid < 0 {
        return Err(Errno::from_raw_os_error(err.raw_os_error().unwrap_or(0)))
            .ctx(|| "clone(CLONE_VFORK)".into())
            .map_err(Into::into);
    }
    // SAFETY: clone returned a positive pid.
    Ok(unsafe { rustix::process::Pid::from_raw_unchecked(pid) })
}

/// Wait until `pid` has exited without reaping it: it stays a zombie, so its pid cannot be
/// given to another process until [`wait4`].
pub fn wait_exited(pid: rustix::process::Pid) -> Result<()> {
    loop {
        // SAFETY: siginfo_t is plain data; zero is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: a live out-pointer of the right type.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid.as_raw_nonzero().get() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e)
                .ctx(|| format!("waitid({})", pid.as_raw_nonzero()))
                .map_err(Into::into);
        }
    }
}

/// `execve(path, argv, envp)`. Returns only on failure; allocation-free.
///
/// # Safety
///
/// As for `strategies::sys::execveat_fd`: `argv` and `envp` are NULL-terminated arrays of C strings that
/// outlive the call.
pub unsafe fn execve_path(
    path: &CStr,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
) -> Errno {
    // SAFETY: argv and envp are as the caller promised; path is a live C string.
    unsafe { libc::execve(path.as_ptr(), argv, envp) };
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// Fork: a raw clone without `CLONE_VM` (`flags` may add `CLONE_NEW*` namespaces), so the
/// child has its own copy of this process's memory and its own `mm`. That matters for
/// memory cgroups: the kernel charges a process's pages to the cgroup of its `mm`'s
/// owner, so a `CLONE_VM` child (as [`spawn_with`] makes) that joins a cgroup still
/// charges this process's; a forked one charges the cgroup it joined. The child runs
/// `child` and `_exit`s with its return value, its death signal armed as every child's.
///
/// # Safety
/// `child` runs in a copy of this process in which every other thread has vanished
/// wherever it was: it must take no lock (the allocator's included) that another thread
/// could have held at the fork. `super::fork::ForkSafe` checks that no such thread
/// exists.
pub unsafe fn fork_into<F: FnOnce() -> i32>(
    flags: libc::c_int,
    child: F,
) -> Result<rustix::process::Pid> {
    let parent = rustix::process::getpid();
    // SAFETY: a raw clone with no new stack behaves as fork(2): the child continues on a
    // copy of this stack, runs `child` (as the caller promised) and leaves by `_exit`.
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
        .ctx(|| "clone (fork)".into())
        .map_err(Into::into);
    }
    if pid == 0 {
        let code = armed_child(parent, flags, child);
        // SAFETY: _exit skips atexit handlers and stdio flushing, which belong to the parent.
        unsafe { libc::_exit(code) }
    }
    // SAFETY: clone returned a positive pid.
    Ok(unsafe { rustix::process::Pid::from_raw_unchecked(pid as i32) })
}
