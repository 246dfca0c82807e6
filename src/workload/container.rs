//! What sealbench's own container start does inside the child, read from a bundle's
//! config.json and prepared before the clone, so that the child only makes syscalls.

use crate::bundle::config::{load_spec, runc_refuses};
use crate::error::{Error, Result};
use crate::safe_fs::tree;
use oci_spec::runtime::LinuxNamespaceType;
use rustix::fd::{AsRawFd, OwnedFd, RawFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::MountFlags;
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// One step of a mount destination inside the root: the path so far, its parent and its
/// last component, to create the component when it is missing.
struct Step {
    path: CString,
    parent: CString,
    name: CString,
}

/// One mount of the config, as mount(2) arguments. The target is resolved in the child
/// with `openat2(RESOLVE_IN_ROOT)` from the rootfs, step by step, so that no `..` or
/// symlink in the destination or in the rootfs can put a mount point outside it.
struct MountOp {
    source: CString,
    steps: Vec<Step>,
    /// A bind mount of something that is not a directory needs a file to mount on.
    file: bool,
    fstype: CString,
    flags: MountFlags,
    data: Option<CString>,
}

/// The container's set-up, ready to run between clone and exec.
pub struct ContainerPlan {
    pub clone_flags: libc::c_int,
    rootfs_c: CString,
    mounts: Vec<MountOp>,
    readonly_root: bool,
    hostname: Option<Vec<u8>>,
    no_new_privs: bool,
    pub args: Vec<String>,
    pub env: Vec<String>,
}

/// The pre-exec steps, named for error messages (indices of [`ContainerPlan::enter`]).
pub const STEPS: &[&str] = &[
    "make mounts private",
    "bind the rootfs",
    "mkdir a mount point",
    "mount",
    "remount the rootfs read-only",
    "chdir to the rootfs",
    "pivot_root",
    "detach the old root",
    "chdir /",
    "sethostname",
    "no_new_privs",
    "open the rootfs",
    "resolve a mount point inside the rootfs",
    "setsid",
    "join the container's memory cgroup",
];

/// The index in [`STEPS`] of joining the container's memory cgroup (a confined start).
pub const JOIN_STEP: u8 = 14;

fn c(bytes: &[u8]) -> Result<CString> {
    CString::new(bytes)
        .map_err(|_| Error::failure("config.json: a path or option holds a NUL byte"))
}

impl ContainerPlan {
    pub fn from_bundle(bundle: &Path) -> Result<ContainerPlan> {
        let config = bundle.join("config.json");
        let spec = load_spec(&config)?;
        if let Some(why) = runc_refuses(&spec) {
            return Err(Error::failure(format!("{}: {why}", config.display())));
        }
        let unsupported = |what: String| {
            Error::failure(format!(
                "{}: sealbench's own start cannot do {what}",
                config.display()
            ))
        };
        let root = spec
            .root()
            .as_ref()
            .ok_or_else(|| unsupported("a bundle without root".into()))?;
        let rootfs = if root.path().is_absolute() {
            root.path().clone()
        } else {
            bundle.join(root.path())
        };
        let mut clone_flags = 0;
        for ns in spec
            .linux()
            .as_ref()
            .and_then(|l| l.namespaces().clone())
            .unwrap_or_default()
        {
            if ns.path().is_some() {
                return Err(unsupported("joining an existing namespace".into()));
            }
            clone_flags |= match ns.typ() {
                LinuxNamespaceType::Pid => libc::CLONE_NEWPID,
                LinuxNamespaceType::Mount => libc::CLONE_NEWNS,
                LinuxNamespaceType::Ipc => libc::CLONE_NEWIPC,
                LinuxNamespaceType::Uts => libc::CLONE_NEWUTS,
                LinuxNamespaceType::Network => libc::CLONE_NEWNET,
                LinuxNamespaceType::Cgroup => libc::CLONE_NEWCGROUP,
                other => return Err(unsupported(format!("a {other:?} namespace"))),
            };
        }
        if clone_flags & libc::CLONE_NEWNS == 0 {
            return Err(unsupported("a container without a mount namespace".into()));
        }
        let mut mounts = Vec::new();
        for m in spec.mounts().clone().unwrap_or_default() {
            let (flags, data) = mount_options(m.options().as_deref().unwrap_or_default());
            let typ = m.typ().clone().unwrap_or_default();
            let source = m
                .source()
                .clone()
                .map(|s| s.into_os_string())
                .unwrap_or_else(|| typ.clone().into());
            let file = flags.contains(MountFlags::BIND)
                && std::fs::metadata(&source).is_ok_and(|md| !md.is_dir());
            mounts.push(MountOp {
                source: c(source.as_bytes())?,
                steps: steps(m.destination())?,
                file,
                fstype: c(typ.as_bytes())?,
                flags,
                data: if data.is_empty() {
                    None
                } else {
                    Some(c(data.as_bytes())?)
                },
            });
        }
        let process = spec
            .process()
            .as_ref()
            .ok_or_else(|| unsupported("a bundle without process".into()))?;
        Ok(ContainerPlan {
            clone_flags,
            rootfs_c: c(rootfs.as_os_str().as_bytes())?,
            mounts,
            readonly_root: root.readonly().unwrap_or(false),
            hostname: spec.hostname().clone().map(String::into_bytes),
            no_new_privs: process.no_new_privileges().unwrap_or(false),
            args: process.args().clone().unwrap_or_default(),
            env: process.env().clone().unwrap_or_default(),
        })
    }

    /// Without a pid namespace, a container's processes can outlive its init; the start
    /// then has to find and kill them (see [`crate::process::leftovers`]).
    pub fn shares_pids(&self) -> bool {
        self.clone_flags & libc::CLONE_NEWPID == 0
    }

    /// Enter the container: runs in the cloned child, so it only makes syscalls on what
    /// was prepared. On failure, the index of the step in [`STEPS`].
    pub fn enter(&self) -> std::result::Result<(), (u8, Errno)> {
        use rustix::mount::{mount_bind_recursive, mount_change, mount_remount, unmount};
        use rustix::mount::{MountPropagationFlags, UnmountFlags};
        if self.shares_pids() {
            // Its own session, as runc gives a container's init: what it leaves behind is
            // found by session as well as by parent.
            rustix::process::setsid().map_err(|e| (13, e))?;
        }
        mount_change(
            c"/",
            MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
        )
        .map_err(|e| (0, e))?;
        mount_bind_recursive(self.rootfs_c.as_c_str(), self.rootfs_c.as_c_str())
            .map_err(|e| (1, e))?;
        // Opened after the bind, so that mounts land on the bind, the future root.
        let root = rustix::fs::open(
            self.rootfs_c.as_c_str(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| (11, e))?;
        for m in &self.mounts {
            let target = mount_point(&root, m)?;
            let mut buf = [0u8; 32];
            let at = proc_fd_path(&mut buf, target.as_raw_fd());
            rustix::mount::mount(
                m.source.as_c_str(),
                at,
                m.fstype.as_c_str(),
                m.flags,
                m.data.as_deref(),
            )
            .map_err(|e| (3, e))?;
        }
        drop(root);
        if self.readonly_root {
            mount_remount(
                self.rootfs_c.as_c_str(),
                MountFlags::BIND | MountFlags::RDONLY,
                c"",
            )
            .map_err(|e| (4, e))?;
        }
        rustix::process::chdir(self.rootfs_c.as_c_str()).map_err(|e| (5, e))?;
        rustix::process::pivot_root(c".", c".").map_err(|e| (6, e))?;
        unmount(c".", UnmountFlags::DETACH).map_err(|e| (7, e))?;
        rustix::process::chdir(c"/").map_err(|e| (8, e))?;
        if let Some(name) = &self.hostname {
            rustix::system::sethostname(name).map_err(|e| (9, e))?;
        }
        if self.no_new_privs {
            rustix::thread::set_no_new_privs(true).map_err(|e| (10, e))?;
        }
        Ok(())
    }
}

/// The steps of a mount destination, cleaned as the OCI runtimes clean it (`..` at the
/// top stays at the top).
fn steps(dest: &Path) -> Result<Vec<Step>> {
    let clean = crate::safe_fs::tree::clean(dest);
    let mut out = Vec::new();
    let mut so_far = std::path::PathBuf::new();
    for comp in clean.components() {
        let parent = if so_far.as_os_str().is_empty() {
            c(b".")?
        } else {
            c(so_far.as_os_str().as_bytes())?
        };
        so_far.push(comp);
        out.push(Step {
            path: c(so_far.as_os_str().as_bytes())?,
            parent,
            name: c(comp.as_os_str().as_bytes())?,
        });
    }
    Ok(out)
}

/// The mount point of `m` inside `root`, made where missing (inside the root whatever
/// symlinks the rootfs holds), opened `O_PATH`. Allocation-free: runs in the child.
fn mount_point(root: &OwnedFd, m: &MountOp) -> std::result::Result<OwnedFd, (u8, Errno)> {
    let open = |p: &CStr, dir: bool| {
        let flags = OFlags::PATH
            | OFlags::CLOEXEC
            | if dir {
                OFlags::DIRECTORY
            } else {
                OFlags::empty()
            };
        loop {
            match rustix::fs::openat2(root, p, flags, Mode::empty(), tree::IN_ROOT) {
                Err(Errno::AGAIN) => continue,
                other => return other,
            }
        }
    };
    let mut last = None;
    for (i, step) in m.steps.iter().enumerate() {
        let is_last = i + 1 == m.steps.len();
        match open(step.path.as_c_str(), false) {
            Ok(fd) => {
                last = Some(fd);
                continue;
            }
            Err(Errno::NOENT) => {}
            Err(e) => return Err((12, e)),
        }
        let parent = open(step.parent.as_c_str(), true).map_err(|e| (12, e))?;
        let made = if is_last && m.file {
            rustix::fs::openat(
                &parent,
                step.name.as_c_str(),
                OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o644),
            )
            .map(drop)
        } else {
            rustix::fs::mkdirat(&parent, step.name.as_c_str(), Mode::from_raw_mode(0o755))
        };
        match made {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err((2, e)),
        }
        last = Some(open(step.path.as_c_str(), false).map_err(|e| (12, e))?);
    }
    match last {
        Some(fd) => Ok(fd),
        // The destination is the root itself.
        None => open(c".", true).map_err(|e| (12, e)),
    }
}

/// `/proc/self/fd/<fd>` in `buf`, NUL-terminated, without allocating.
fn proc_fd_path(buf: &mut [u8; 32], fd: RawFd) -> &CStr {
    const PREFIX: &[u8] = b"/proc/self/fd/";
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let (mut n, mut len) = (fd.max(0) as u32, 0);
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in 0..len {
        buf[PREFIX.len() + i] = digits[len - 1 - i];
    }
    buf[PREFIX.len() + len] = 0;
    CStr::from_bytes_until_nul(&buf[..]).unwrap_or(c"/")
}

/// OCI mount options as mount(2) flags, and the rest as the data string.
fn mount_options(options: &[String]) -> (MountFlags, String) {
    let mut flags = MountFlags::empty();
    let mut data = Vec::new();
    for o in options {
        match o.as_str() {
            "ro" => flags |= MountFlags::RDONLY,
            "nosuid" => flags |= MountFlags::NOSUID,
            "nodev" => flags |= MountFlags::NODEV,
            "noexec" => flags |= MountFlags::NOEXEC,
            "noatime" => flags |= MountFlags::NOATIME,
            "relatime" => flags |= MountFlags::RELATIME,
            "strictatime" => flags |= MountFlags::STRICTATIME,
            "bind" => flags |= MountFlags::BIND,
            "rbind" => flags |= MountFlags::BIND | MountFlags::REC,
            "rw" | "private" | "rprivate" => {}
            other => data.push(other),
        }
    }
    (flags, data.join(","))
}

#[cfg(test)]
mod tests {
    #[test]
    fn proc_fd_paths() {
        let mut buf = [0u8; 32];
        assert_eq!(super::proc_fd_path(&mut buf, 7), c"/proc/self/fd/7");
        assert_eq!(
            super::proc_fd_path(&mut buf, 1234567),
            c"/proc/self/fd/1234567"
        );
    }
}
