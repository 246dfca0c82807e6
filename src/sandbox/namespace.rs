use crate::error::{Error, Result};
use rustix::mount::{MountFlags, MountPropagationFlags};
use rustix::thread::UnshareFlags;
use strategies::ResultExt;

/// unshare(CLONE_NEWNS) moves only the calling thread, and a fork of a multi-threaded
/// process may only make async-signal-safe calls: both steps need one thread.
pub fn ensure_single_threaded() -> Result<()> {
    let status =
        std::fs::read_to_string("/proc/self/status").ctx(|| "read /proc/self/status".into())?;
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:").map(|n| n.trim().to_string()));
    if threads.as_deref() == Some("1") {
        Ok(())
    } else {
        Err(Error::failure(
            "internal: a run must be started from a single-threaded process",
        ))
    }
}

/// Move this (single-threaded) process into a private mount namespace.
pub fn enter_private() -> Result<()> {
    ensure_single_threaded()?;
    // SAFETY: with one thread, NEWNS moves the whole process; no fd table or memory is shared.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }
        .ctx(|| "unshare(CLONE_NEWNS)".into())?;
    // Private, so that no mount or unmount of the run propagates back to the host.
    rustix::mount::mount_change(
        c"/",
        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
    )
    .ctx(|| "mount --make-rprivate /".into())?;
    Ok(())
}

/// Mount the run's tmpfs over `at`, in the private namespace.
pub fn mount_scratch(at: &str) -> Result<()> {
    rustix::mount::mount(
        c"sealbench",
        at,
        c"tmpfs",
        MountFlags::NOSUID | MountFlags::NODEV,
        Some(c"mode=0700"),
    )
    .ctx(|| format!("mount -t tmpfs sealbench {at}"))?;
    Ok(())
}

/// On a hybrid cgroup layout (v1 controllers, v2 at /sys/fs/cgroup/unified), detach the v2
/// mount in this namespace only. Elsewhere, nothing to do.
pub fn hide_cgroup_v2_of_hybrid() -> Result<()> {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ctx(|| "read mountinfo".into())?;
    let hybrid = mounts
        .lines()
        .any(|l| l.contains(" /sys/fs/cgroup/unified ") && l.contains(" - cgroup2 "))
        && mounts.lines().any(|l| l.contains(" - cgroup "));
    if hybrid {
        rustix::mount::unmount(
            c"/sys/fs/cgroup/unified",
            rustix::mount::UnmountFlags::DETACH,
        )
        .ctx(|| "umount /sys/fs/cgroup/unified (in the run's namespace)".into())?;
    }
    Ok(())
}

/// The uid an unprivileged run maps root to when sealbench was started as root.
pub const NOBODY: u32 = 65534;

/// Enter a new user namespace in which this (single-threaded) process is root, mapped to
/// an unprivileged uid outside: the caller's own, or nobody's when the caller is root (so
/// that a rootless run proves what works without any privilege).
pub fn enter_rootless() -> Result<()> {
    use rustix::process::{getegid, geteuid};
    if geteuid().is_root() {
        // SAFETY: plain credential syscalls on this single-threaded process.
        let dropped = unsafe {
            libc::setgroups(0, std::ptr::null()) == 0
                && libc::setresgid(NOBODY, NOBODY, NOBODY) == 0
                && libc::setresuid(NOBODY, NOBODY, NOBODY) == 0
        };
        if !dropped {
            return Err(Error::failure(format!(
                "--rootless: cannot drop to uid {NOBODY}: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    // A change of credentials clears the death signal and makes /proc/self root's; both
    // are needed back.
    rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
        .ctx(|| "PR_SET_PDEATHSIG".into())?;
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0) };
    let (uid, gid) = (geteuid().as_raw(), getegid().as_raw());
    // SAFETY: single-threaded, as checked by the caller; a new user namespace changes no
    // memory or descriptors.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWUSER) }.map_err(|e| {
        Error::failure(format!(
            "unsupported: user namespaces are not available here (unshare(CLONE_NEWUSER): {})",
            strategies::errno_name(e)
        ))
    })?;
    std::fs::write("/proc/self/setgroups", "deny").ctx(|| "write /proc/self/setgroups".into())?;
    std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))
        .ctx(|| "write /proc/self/uid_map".into())?;
    std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))
        .ctx(|| "write /proc/self/gid_map".into())?;
    Ok(())
}
