use crate::error::{Error, Result};
use rand::{RngCore, SeedableRng};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use strategies::ResultExt;

/// The stage-2 program, built by build.rs from src/stage2/main.rs. It is never itself
/// sealed or attacked: each run seals padded copies of it.
pub const STAGE2: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sealbench-stage2"));

/// The runtime binary of a run: stage 2 copied into the scratch space, alone in its
/// directory, and padded with incompressible bytes to the size of a real runtime so that a
/// copy per start costs what it costs runc.
pub struct RuntimeBinary {
    pub path: PathBuf,
}

impl RuntimeBinary {
    pub fn install(dir: &Path, size: u64) -> Result<RuntimeBinary> {
        let stage2_size = STAGE2.len() as u64;
        if size < stage2_size {
            return Err(Error::failure(format!(
                "--exe-size {size} is smaller than the stage 2 program itself ({stage2_size} bytes)"
            )));
        }
        Self::install_program(dir, "sealbench-stage2", STAGE2, size)
    }

    /// `program` as `dir/name`, padded to `size` if it is smaller.
    pub fn install_program(
        dir: &Path,
        name: &str,
        program: &[u8],
        size: u64,
    ) -> Result<RuntimeBinary> {
        let stage2_size = program.len() as u64;
        let size = size.max(stage2_size);
        std::fs::create_dir_all(dir).ctx(|| format!("mkdir {}", dir.display()))?;
        let path = dir.join(name);
        let mut out = std::fs::File::create(&path).ctx(|| format!("create {}", path.display()))?;
        out.write_all(program).ctx(|| format!("copy {name}"))?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(size);
        let mut chunk = vec![0u8; 1 << 20];
        let mut left = size - stage2_size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            rng.fill_bytes(&mut chunk[..n]);
            out.write_all(&chunk[..n])
                .ctx(|| "pad runtime binary".into())?;
            left -= n as u64;
        }
        out.set_permissions(std::fs::Permissions::from_mode(0o755))
            .ctx(|| "chmod runtime binary".into())?;
        Ok(RuntimeBinary { path })
    }
}

/// What gets sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// Stage 2, sealbench's analogue of `runc init`.
    Stage2,
    /// `sealbench-runtime`, a whole OCI runtime on youki's libcontainer.
    Runtime,
}
