//! A bundle given with `--bundle`, taken in before the run's tmpfs covers `/tmp` (where
//! it may live, root.path included), and never written to: the run uses a copy of its
//! config.json and an overlay of its rootfs whose upper layer is in the run's scratch
//! space, so that mount points and whatever a container writes stay in the run.

use crate::bundle::config::{load_spec, runc_refuses};
use crate::error::{Error, Result};
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{MoveMountFlags, OpenTreeFlags};
use std::path::{Path, PathBuf};
use strategies::{errno_name, ResultExt};

/// The user's bundle, read and detached on the host side of the run.
pub struct UserBundle {
    /// config.json with root.path pointing at the copy's `rootfs`.
    config: Vec<u8>,
    /// A detached clone of the rootfs's mount tree.
    rootfs: OwnedFd,
}

fn errno_text(e: Errno) -> String {
    format!("{} ({})", std::io::Error::from(e), errno_name(e))
}

impl UserBundle {
    /// Read and check `dir`'s config.json and take its rootfs, or say why not (exit 2).
    /// A bundle with OCI hooks is refused unless `allow_hooks`: a hook is a command every
    /// runtime runs as root on the host, outside any container, on every start.
    pub fn open(dir: &Path, allow_hooks: bool) -> Result<UserBundle> {
        let shown = dir.display();
        let bundle = rustix::fs::open(dir, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            .map_err(|e| match e {
                Errno::NOTDIR => Error::usage(format!(
                    "--bundle {shown}: not a directory (a bundle is a directory with config.json and a rootfs)"
                )),
                e => Error::usage(format!("--bundle {shown}: {}", errno_text(e))),
            })?;
        let config_path = dir.join("config.json");
        let spec = load_spec(&config_path).map_err(|e| Error::usage(format!("--bundle: {e}")))?;
        let hooks = crate::bundle::config::hooks(&spec);
        if !hooks.is_empty() && !allow_hooks {
            return Err(Error::usage(format!(
                "--bundle: {}: has hooks ({}), commands every runtime would run as root on the host on every start; refused without --allow-hooks",
                config_path.display(),
                hooks.join(", ")
            )));
        }
        if let Some(why) = runc_refuses(&spec) {
            return Err(Error::usage(format!(
                "--bundle: {}: {why} (runc refuses this config too)",
                config_path.display()
            )));
        }
        let Some(root) = spec.root().as_ref() else {
            return Err(Error::usage(format!(
                "--bundle: {}: no root",
                config_path.display()
            )));
        };
        // runc refuses a rootfs reached through a symlink; so does sealbench. Like runc
        // (which works from inside the bundle), the bundle's own path may hold symlinks.
        let rootfs_path = std::fs::canonicalize(dir)
            .map(|d| d.join(root.path()))
            .unwrap_or_else(|_| root.path().clone());
        let lexical: PathBuf = rootfs_path.components().fold(PathBuf::new(), |mut p, c| {
            match c {
                std::path::Component::ParentDir => {
                    p.pop();
                }
                std::path::Component::CurDir => {}
                other => p.push(other),
            }
            p
        });
        if std::fs::canonicalize(&rootfs_path).is_ok_and(|real| real != lexical) {
            return Err(Error::usage(format!(
                "--bundle: root.path {}: invalid rootfs: not an absolute path, or a symlink (runc refuses it too)",
                root.path().display()
            )));
        }
        // Resolved now, on the host side: an absolute root.path under /tmp would be hidden
        // by the run's tmpfs once inside.
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let rootfs = if root.path().is_absolute() {
            rustix::fs::open(root.path(), flags, Mode::empty())
        } else {
            rustix::fs::openat(&bundle, root.path(), flags, Mode::empty())
        }
        .map_err(|e| {
            Error::usage(format!(
                "--bundle: root.path {}: {}",
                root.path().display(),
                errno_text(e)
            ))
        })?;
        let tree = rustix::mount::open_tree(
            &rootfs,
            c"",
            OpenTreeFlags::OPEN_TREE_CLONE
                | OpenTreeFlags::OPEN_TREE_CLOEXEC
                | OpenTreeFlags::AT_RECURSIVE
                | OpenTreeFlags::AT_EMPTY_PATH,
        )
        .map_err(|e| {
            Error::usage(format!(
                "--bundle: cannot take root.path {}: {}",
                root.path().display(),
                errno_text(e)
            ))
        })?;
        let mut value = serde_json::to_value(&spec)
            .map_err(|e| Error::usage(format!("--bundle: {}: {e}", config_path.display())))?;
        value["root"]["path"] = "rootfs".into();
        Ok(UserBundle {
            config: serde_json::to_vec_pretty(&value).expect("serialize"),
            rootfs: tree,
        })
    }

    /// Inside the run's namespace: the working copy of the bundle under `scratch`.
    pub fn install(self, scratch: &Path) -> Result<PathBuf> {
        let dir = |p: &Path| -> Result<()> {
            std::fs::create_dir_all(p).ctx(|| format!("mkdir {}", p.display()))?;
            Ok(())
        };
        let (lower, upper, work) = (
            scratch.join("lower"),
            scratch.join("upper"),
            scratch.join("work"),
        );
        let bundle = scratch.join("bundle");
        let rootfs = bundle.join("rootfs");
        for d in [&lower, &upper, &work, &rootfs] {
            dir(d)?;
        }
        rustix::mount::move_mount(
            &self.rootfs,
            c"",
            rustix::fs::CWD,
            &lower,
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
        )
        .ctx(|| "move the --bundle's rootfs into the run".into())
        .map_err(Error::Input)?;
        let data = std::ffi::CString::new(format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        ))
        .map_err(|_| Error::failure("NUL in a scratch path"))?;
        rustix::mount::mount(
            c"overlay",
            &rootfs,
            c"overlay",
            rustix::mount::MountFlags::empty(),
            Some(data.as_c_str()),
        )
        .ctx(|| {
            "overlay the --bundle's rootfs with the run's scratch space (so it is never written to)"
                .into()
        })
        // The rootfs is the user's to change: on a filesystem overlayfs cannot stack on
        // (procfs, another overlay too deep), this is where it shows.
        .map_err(Error::Input)?;
        let config = bundle.join("config.json");
        std::fs::write(&config, &self.config).ctx(|| format!("write {}", config.display()))?;
        Ok(bundle)
    }
}
