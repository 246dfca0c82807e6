//! Where a run happens: a private mount namespace with its scratch space on a tmpfs,
//! entered by a forked worker process, so that nothing a run mounts or writes can outlive
//! it, even under SIGKILL.

pub mod budget;
pub mod janitor;
mod namespace;
mod runtime_binary;
mod user_bundle;
mod worker;

pub use runtime_binary::RuntimeBinary;
pub use worker::{enter_here, in_sandbox, Options};

use std::path::{Path, PathBuf};
use strategies::{Result, Target};

/// Where the run's tmpfs is mounted inside the private namespace. Mounting over /tmp
/// (rather than creating a mount point) leaves not even an empty directory on the host,
/// and keeps whatever a runtime peer writes to /tmp inside the run too.
pub const SCRATCH_MOUNT: &str = "/tmp";

/// The run's private space, as seen from inside its namespace.
pub struct Sandbox {
    root: PathBuf,
    exe_size: std::cell::Cell<u64>,
    /// Extra mounts made in the run's namespace (the host-mounts sweep).
    extra_mounts: std::cell::RefCell<Vec<PathBuf>>,
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

    /// Bring the run's namespace, which stands in for the host's, to `n` extra mounts
    /// (bind mounts of one empty directory), as a host with many mounts has.
    pub fn set_extra_mounts(&self, n: usize) -> Result<()> {
        use strategies::ResultExt;
        let mut mounts = self.extra_mounts.borrow_mut();
        let source = self.subdir("extra-mounts/source")?;
        while mounts.len() < n {
            let at = self.subdir(&format!("extra-mounts/{}", mounts.len()))?;
            rustix::mount::mount_bind(&source, &at)
                .ctx(|| format!("mount --bind {}", at.display()))?;
            mounts.push(at);
        }
        while mounts.len() > n {
            let at = mounts.pop().expect("non-empty");
            rustix::mount::unmount(&at, rustix::mount::UnmountFlags::DETACH)
                .ctx(|| format!("umount {}", at.display()))?;
        }
        Ok(())
    }

    /// A runtime binary of its own for `owner` (a strategy, an audit): the padded copy of
    /// stage 2, alone in its directory, and a work directory beside it. Each gets its own
    /// because memfd-bind mounts over its binary's path for the whole run, which would
    /// change what every other strategy sealed if they shared one.
    pub fn target_for(&self, owner: &str) -> Result<(RuntimeBinary, Target)> {
        let binary =
            RuntimeBinary::install(&self.root.join("runtime").join(owner), self.exe_size.get())?;
        let work = self.subdir(&format!("work/{owner}"))?;
        let target = Target::new(&binary.path, &work)?.with_init(&self.init()?);
        Ok((binary, target))
    }

    /// The stage-2 program unpadded, outside any runtime binary's directory: the init a
    /// dmz-like strategy seals (it execs its arguments, and can be inspected).
    fn init(&self) -> Result<PathBuf> {
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
