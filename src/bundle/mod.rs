//! OCI runtime-spec bundles: `config.json` and a `rootfs/` with a static `/bin/true`,
//! accepted unchanged by runc, crun and sealbench's own container start.

pub mod config;
mod spec;
mod true_elf;

pub use spec::HOSTNAME;

/// The default bundle's config, for tests of what reads configs.
#[cfg(test)]
pub fn spec_for_tests() -> oci_spec::runtime::Spec {
    spec::spec()
}

use crate::error::{Error, Result};
use crate::safe_fs::{replace_at, tree};
use rustix::fs::{Mode, OFlags};
use std::ffi::OsStr;
use std::path::Path;
use strategies::ResultExt;

/// Write a bundle into `dir`, created if missing. A directory with anything in it is
/// refused unless `force`; then config.json and rootfs/bin/true are replaced, and no
/// symlink inside `dir` is ever followed (one where a directory or file of the bundle
/// goes is an error, not a way elsewhere).
pub fn create(dir: &Path, force: bool) -> Result<()> {
    std::fs::create_dir_all(dir).ctx(|| format!("mkdir {}", dir.display()))?;
    let top = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ctx(|| format!("open {}", dir.display()))?;
    if !force {
        let mut entries = std::fs::read_dir(dir).ctx(|| format!("read {}", dir.display()))?;
        if entries.next().is_some() {
            return Err(Error::failure(format!(
                "{} is not empty: add --force to write the bundle into it anyway (config.json and rootfs/bin/true are replaced)",
                dir.display()
            )));
        }
    }
    let in_bundle = |what: &str, e: rustix::io::Errno| strategies::Error::Sys {
        what: match e {
            rustix::io::Errno::LOOP | rustix::io::Errno::XDEV => format!(
                "{}/{what}: a symbolic link is in the way; the bundle never follows one",
                dir.display()
            ),
            _ => format!("{}/{what}", dir.display()),
        },
        errno: e,
    };
    let m = Mode::from_raw_mode(0o755);
    for sub in ["rootfs/proc", "rootfs/dev", "rootfs/tmp"] {
        tree::mkdir_all(&top, Path::new(sub), m, tree::NO_SYMLINKS)
            .map_err(|e| in_bundle(sub, e))?;
    }
    let bin = tree::mkdir_all(&top, Path::new("rootfs/bin"), m, tree::NO_SYMLINKS)
        .map_err(|e| in_bundle("rootfs/bin", e))?;
    let config = serde_json::to_vec_pretty(&spec::spec())
        .map_err(|e| Error::failure(format!("config.json: {e}")))?;
    let put = |at: &rustix::fd::OwnedFd, name: &str, bytes: &[u8], mode: Option<u32>| {
        replace_at(
            at,
            OsStr::new(name),
            bytes,
            mode.map(Mode::from_raw_mode),
            || false,
        )
        .map(|_| ())
        .map_err(|e| Error::failure(format!("{}: {name}: {e}", dir.display())))
    };
    put(&bin, "true", &static_true()?, Some(0o755))?;
    put(&top, "config.json", &config, None)
}

fn static_true() -> Result<Vec<u8>> {
    if cfg!(target_arch = "x86_64") {
        return Ok(true_elf::x86_64());
    }
    // Elsewhere, Debian's busybox-static is as static and needs no network either.
    std::fs::read("/bin/busybox").map_err(|_| {
        Error::failure(
            "no static /bin/true for this architecture: install busybox-static".to_string(),
        )
    })
}

/// A bundle for one confined start of the memory-limit sweep, written into `dir`: the
/// config.json of `from` with its rootfs named by absolute path (so that the bundle is a
/// config alone), `linux.cgroupsPath` set to `cgroups_path` (where the runtime makes the
/// container's cgroup, relative to each hierarchy's root) and the container's memory
/// limited to `limit` (`linux.resources.memory.limit`: how a user limits a container),
/// or not limited. Returns the bundle's directory.
pub fn confined(
    from: &Path,
    dir: &Path,
    cgroups_path: &str,
    limit: Option<u64>,
) -> Result<std::path::PathBuf> {
    use oci_spec::runtime::{LinuxMemoryBuilder, LinuxResourcesBuilder};
    let mut spec = config::load_spec(&from.join("config.json"))?;
    let bad = |e: oci_spec::OciSpecError| Error::failure(format!("confined bundle: {e}"));
    if let Some(mut root) = spec.root().clone() {
        if !root.path().is_absolute() {
            root.set_path(from.join(root.path()));
        }
        spec.set_root(Some(root));
    }
    let mut linux = spec.linux().clone().unwrap_or_default();
    linux.set_cgroups_path(Some(cgroups_path.into()));
    let resources = match limit {
        Some(bytes) => Some(
            LinuxResourcesBuilder::default()
                .memory(
                    LinuxMemoryBuilder::default()
                        .limit(i64::try_from(bytes).unwrap_or(i64::MAX))
                        .build()
                        .map_err(bad)?,
                )
                .build()
                .map_err(bad)?,
        ),
        None => None,
    };
    linux.set_resources(resources);
    spec.set_linux(Some(linux));
    std::fs::create_dir_all(dir).ctx(|| format!("mkdir {}", dir.display()))?;
    let bytes = serde_json::to_vec_pretty(&spec)
        .map_err(|e| Error::failure(format!("config.json: {e}")))?;
    crate::safe_fs::write_atomic(&dir.join("config.json"), &bytes)?;
    Ok(dir.to_path_buf())
}
