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
