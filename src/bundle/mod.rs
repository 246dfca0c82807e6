//! OCI runtime-spec bundles: `config.json` and a `rootfs/` with a static `/bin/true`,
//! accepted unchanged by runc, crun and sealbench's own container start.

mod spec;
mod true_elf;

pub use spec::HOSTNAME;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use strategies::{Error, Result, ResultExt};

/// Write a bundle into `dir` (created if missing; an existing config.json is replaced).
pub fn create(dir: &Path) -> Result<()> {
    let rootfs = dir.join("rootfs");
    for sub in ["bin", "proc", "dev", "tmp"] {
        let d = rootfs.join(sub);
        std::fs::create_dir_all(&d).ctx(|| format!("mkdir {}", d.display()))?;
    }
    let true_path = rootfs.join("bin/true");
    std::fs::write(&true_path, static_true()?).ctx(|| format!("write {}", true_path.display()))?;
    std::fs::set_permissions(&true_path, std::fs::Permissions::from_mode(0o755))
        .ctx(|| "chmod /bin/true".into())?;
    let config = serde_json::to_vec_pretty(&spec::spec())
        .map_err(|e| Error::msg(format!("config.json: {e}")))?;
    let path = dir.join("config.json");
    std::fs::write(&path, config).ctx(|| format!("write {}", path.display()))
}

fn static_true() -> Result<Vec<u8>> {
    if cfg!(target_arch = "x86_64") {
        return Ok(true_elf::x86_64());
    }
    // Elsewhere, Debian's busybox-static is as static and needs no network either.
    std::fs::read("/bin/busybox").map_err(|_| {
        Error::msg("no static /bin/true for this architecture: install busybox-static".to_string())
    })
}
