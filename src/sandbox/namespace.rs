use rustix::mount::{MountFlags, MountPropagationFlags};
use rustix::thread::UnshareFlags;
use strategies::{Error, Result, ResultExt};

/// Move this (single-threaded) process into a private mount namespace and mount the run's
/// tmpfs over `at`.
pub fn enter_private(at: &str) -> Result<()> {
    let threads = std::fs::read_to_string("/proc/self/status")
        .ctx(|| "read /proc/self/status".into())?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:").map(|n| n.trim().to_string()));
    if threads.as_deref() != Some("1") {
        return Err(Error::msg(
            "internal: the run namespace must be entered by a single-threaded process",
        ));
    }
    // SAFETY: with one thread, NEWNS moves the whole process; no fd table or memory is shared.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }
        .ctx(|| "unshare(CLONE_NEWNS)".into())?;
    // Private, so that no mount or unmount of the run propagates back to the host.
    rustix::mount::mount_change(
        c"/",
        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
    )
    .ctx(|| "mount --make-rprivate /".into())?;
    rustix::mount::mount(
        c"sealbench",
        at,
        c"tmpfs",
        MountFlags::NOSUID | MountFlags::NODEV,
        Some(c"mode=0700"),
    )
    .ctx(|| format!("mount -t tmpfs sealbench {at}"))
}

/// On a hybrid cgroup layout (v1 controllers, v2 at /sys/fs/cgroup/unified), detach the v2
/// mount in this namespace only. Elsewhere, nothing to do.
pub fn hide_cgroup_v2_of_hybrid() -> Result<()> {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ctx(|| "read mountinfo".into())?;
    let hybrid = mounts.lines().any(|l| l.contains(" /sys/fs/cgroup/unified ") && l.contains(" - cgroup2 "))
        && mounts.lines().any(|l| l.contains(" - cgroup "));
    if hybrid {
        rustix::mount::unmount(c"/sys/fs/cgroup/unified", rustix::mount::UnmountFlags::DETACH)
            .ctx(|| "umount /sys/fs/cgroup/unified (in the run's namespace)".into())?;
    }
    Ok(())
}
