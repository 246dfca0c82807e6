//! What sealbench's own container start does inside the child, read from a bundle's
//! config.json and prepared before the clone, so that the child only makes syscalls.

use oci_spec::runtime::{LinuxNamespaceType, Spec};
use rustix::io::Errno;
use rustix::mount::MountFlags;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use strategies::{Error, Result};

/// One mount of the config, as mount(2) arguments.
struct MountOp {
    source: CString,
    target: CString,
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
];

fn c(bytes: &[u8]) -> Result<CString> {
    CString::new(bytes).map_err(|_| Error::msg("config.json: a path or option holds a NUL byte"))
}

impl ContainerPlan {
    pub fn from_bundle(bundle: &Path) -> Result<ContainerPlan> {
        let config = bundle.join("config.json");
        let spec =
            Spec::load(&config).map_err(|e| Error::msg(format!("{}: {e}", config.display())))?;
        let unsupported = |what: String| {
            Error::msg(format!(
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
            let target = rootfs.join(m.destination().strip_prefix("/").unwrap_or(m.destination()));
            let typ = m.typ().clone().unwrap_or_default();
            let source = m
                .source()
                .clone()
                .map(|s| s.into_os_string())
                .unwrap_or_else(|| typ.clone().into());
            mounts.push(MountOp {
                source: c(source.as_bytes())?,
                target: c(target.as_os_str().as_bytes())?,
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

    /// Enter the container: runs in the cloned child, so it only makes syscalls on what
    /// was prepared. On failure, the index of the step in [`STEPS`].
    pub fn enter(&self) -> std::result::Result<(), (u8, Errno)> {
        use rustix::mount::{mount, mount_bind_recursive, mount_change, mount_remount, unmount};
        use rustix::mount::{MountPropagationFlags, UnmountFlags};
        mount_change(
            c"/",
            MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
        )
        .map_err(|e| (0, e))?;
        mount_bind_recursive(self.rootfs_c.as_c_str(), self.rootfs_c.as_c_str())
            .map_err(|e| (1, e))?;
        for m in &self.mounts {
            match rustix::fs::mkdir(m.target.as_c_str(), rustix::fs::Mode::from_raw_mode(0o755)) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => return Err((2, e)),
            }
            mount(
                m.source.as_c_str(),
                m.target.as_c_str(),
                m.fstype.as_c_str(),
                m.flags,
                m.data.as_deref(),
            )
            .map_err(|e| (3, e))?;
        }
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
