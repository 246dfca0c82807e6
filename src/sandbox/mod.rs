//! Where a run happens: a private mount namespace with its scratch space on a tmpfs,
//! entered by a forked worker process, so that nothing a run mounts or writes can outlive
//! it, even under SIGKILL.

pub mod budget;
mod containment;
mod expose;
pub mod janitor;
mod mount_ns;
mod namespace;
mod runtime_binary;
mod user_bundle;
mod worker;

pub use mount_ns::MountNs;
pub use runtime_binary::{Binary, RuntimeBinary};
pub use worker::{enter_here, in_sandbox, Options};

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use strategies::{ResultExt, Target};

/// Root in the initial user namespace (not `--rootless`'s mapped root): the identity
/// uid map over the whole range.
pub fn real_root() -> bool {
    rustix::process::geteuid().is_root()
        && std::fs::read_to_string("/proc/self/uid_map")
            .is_ok_and(|m| m.split_whitespace().collect::<Vec<_>>() == ["0", "0", "4294967295"])
}

/// sealbench's libcontainer runtime (`runtime/`): `$SEALBENCH_RUNTIME`, else the
/// `sealbench-runtime` built beside this binary.
pub fn runtime_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("SEALBENCH_RUNTIME") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe().ctx(|| "find this binary".into())?;
    // Benches and tests run from target/<profile>/deps/, one below the binaries.
    let dir = me.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = match dir.file_name() {
        Some(n) if n == "deps" => dir.parent().map(Path::to_path_buf).unwrap_or(dir),
        _ => dir,
    };
    let path = dir.join("sealbench-runtime");
    // Inside a run the scratch tmpfs covers /tmp, where a checkout may live: the parent,
    // which stayed on the host side, still sees it through its root.
    let via_parent = PathBuf::from(format!(
        "/proc/{}/root{}",
        rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get()),
        path.display()
    ));
    if path.is_file() {
        Ok(path)
    } else if via_parent.is_file() {
        Ok(via_parent)
    } else {
        Err(Error::failure(format!(
            "{} is not built (cargo build --release --workspace, or scripts/setup.sh)",
            path.display()
        )))
    }
}

/// Where the run's tmpfs is mounted inside the private namespace. Mounting over /tmp
/// (rather than creating a mount point) leaves not even an empty directory on the host,
/// and keeps whatever a runtime peer writes to /tmp inside the run too.
pub const SCRATCH_MOUNT: &str = "/tmp";

/// The size runtime binaries are padded to unless a run says otherwise: runc's, about.
pub const DEFAULT_EXE_SIZE: u64 = 12 << 20;

/// The run's own directory on the scratch tmpfs.
pub const SCRATCH_NAME: &str = "sealbench";

/// The run's private space, as seen from inside its namespace.
pub struct Sandbox {
    root: PathBuf,
    exe_size: std::cell::Cell<u64>,
    /// The bundle given with --bundle, bound into the scratch space; else made on demand.
    bundle: std::cell::OnceCell<PathBuf>,
}

impl Sandbox {
    /// The root of the scratch space.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The size every runtime binary of this run is padded to.
    pub fn exe_size(&self) -> u64 {
        self.exe_size.get()
    }

    /// Pad the runtime binaries made from now on to `size`.
    pub fn set_exe_size(&self, size: u64) {
        self.exe_size.set(size);
    }

    /// A copy of the run's namespace with `n` extra mounts (bind mounts of one empty
    /// directory), as a host with many mounts has; the run's own namespace is unchanged.
    pub fn namespace_with_mounts(&self, n: usize) -> Result<MountNs> {
        use strategies::ResultExt;
        let source = self.subdir("extra-mounts/source")?;
        let points: Vec<PathBuf> = (0..n)
            .map(|i| self.subdir(&format!("extra-mounts/{i}")))
            .collect::<Result<_>>()?;
        MountNs::copy_with(|| {
            points
                .iter()
                .try_for_each(|at| {
                    rustix::mount::mount_bind(&source, at)
                        .ctx(|| format!("mount --bind {}", at.display()))
                })
                .map_err(Into::into)
        })
    }

    /// A runtime binary of its own for `owner` (a strategy, an audit): the padded copy of
    /// stage 2, alone in its directory, and a work directory beside it. Each gets its own
    /// because memfd-bind mounts over its binary's path for the whole run, which would
    /// change what every other strategy sealed if they shared one.
    pub fn target_for(&self, owner: &str) -> Result<(RuntimeBinary, Target)> {
        self.target_of(owner, Binary::Stage2)
    }

    /// As [`Sandbox::target_for`], of the given binary: stage 2, or sealbench's
    /// libcontainer runtime (padded to the run's size when it is smaller).
    pub fn target_of(&self, owner: &str, kind: Binary) -> Result<(RuntimeBinary, Target)> {
        let dir = self.root.join("runtime").join(owner);
        let binary = match kind {
            Binary::Stage2 => RuntimeBinary::install(&dir, self.exe_size.get())?,
            Binary::Runtime => {
                let bytes =
                    std::fs::read(runtime_path()?).ctx(|| "read sealbench-runtime".into())?;
                RuntimeBinary::install_program(
                    &dir,
                    "sealbench-runtime",
                    &bytes,
                    self.exe_size.get(),
                )?
            }
        };
        let work = self.subdir(&format!("work/{owner}"))?;
        let target = Target::new(&binary.path, &work)?.with_hop(&self.hop_program()?);
        Ok((binary, target))
    }

    /// The stage-2 program unpadded, outside any runtime binary's directory: what a
    /// strategy seals as a hop (stage 2 speaks its own hop protocol, and can be inspected).
    fn hop_program(&self) -> Result<PathBuf> {
        use strategies::ResultExt;
        let path = self.root.join("init/sealbench-init");
        if !path.exists() {
            std::fs::create_dir_all(self.root.join("init")).ctx(|| "mkdir init".into())?;
            std::fs::write(&path, runtime_binary::STAGE2)
                .ctx(|| format!("write {}", path.display()))?;
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .ctx(|| "chmod init".into())?;
        }
        Ok(path)
    }

    /// The OCI bundle of the run: the one given with `--bundle`, or one made here once.
    pub fn bundle(&self) -> Result<PathBuf> {
        if let Some(b) = self.bundle.get() {
            return Ok(b.clone());
        }
        let dir = self.subdir("bundle")?;
        crate::bundle::create(&dir, false)?;
        Ok(self.bundle.get_or_init(|| dir).clone())
    }

    /// The bundle, if a workload has asked for one.
    pub fn bundle_if_made(&self) -> Option<PathBuf> {
        self.bundle.get().cloned()
    }

    /// A fresh directory for one purpose inside the scratch space.
    pub fn subdir(&self, name: &str) -> Result<PathBuf> {
        use strategies::ResultExt;
        let dir = self.root.join(name);
        std::fs::create_dir_all(&dir).ctx(|| format!("mkdir {}", dir.display()))?;
        Ok(dir)
    }
}
