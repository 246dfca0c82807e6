use rand::{RngCore, SeedableRng};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use strategies::{Error, Result, ResultExt};

/// The stage-2 program as built, which is never itself sealed or attacked: the run seals a
/// padded copy of it.
pub fn stage2_source() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("SEALBENCH_STAGE2") {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe().ctx(|| "locate the sealbench binary".into())?;
    let mut dir = me.parent().map(Path::to_path_buf).unwrap_or_default();
    // Test and bench harnesses live one level down, in target/<profile>/deps.
    if dir.ends_with("deps") {
        dir.pop();
    }
    let p = dir.join("sealbench-stage2");
    if p.is_file() {
        Ok(p)
    } else {
        Err(Error::msg(format!(
            "stage 2 binary not found at {} (build it with `cargo build --release`, or set SEALBENCH_STAGE2)",
            p.display()
        )))
    }
}

/// The runtime binary of a run: stage 2 copied into the scratch space, alone in its
/// directory, and padded with incompressible bytes to the size of a real runtime so that a
/// copy per start costs what it costs runc.
pub struct RuntimeBinary {
    pub path: PathBuf,
    pub size: u64,
    pub stage2_size: u64,
}

impl RuntimeBinary {
    pub fn install(source: &std::fs::File, dir: &Path, size: u64) -> Result<RuntimeBinary> {
        use std::os::unix::fs::FileExt;
        let stage2_size = source.metadata().ctx(|| "stat stage 2".into())?.len();
        if size < stage2_size {
            return Err(Error::msg(format!(
                "--exe-size {size} is smaller than the stage 2 program itself ({stage2_size} bytes)"
            )));
        }
        std::fs::create_dir_all(dir).ctx(|| format!("mkdir {}", dir.display()))?;
        let path = dir.join("sealbench-stage2");
        let mut out = std::fs::File::create(&path).ctx(|| format!("create {}", path.display()))?;
        // Read by offset: the source is shared by every copy made in a run.
        let mut program = vec![0u8; stage2_size as usize];
        source.read_exact_at(&mut program, 0).ctx(|| "read stage 2".into())?;
        out.write_all(&program).ctx(|| "copy stage 2".into())?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(size);
        let mut chunk = vec![0u8; 1 << 20];
        let mut left = size - stage2_size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            rng.fill_bytes(&mut chunk[..n]);
            out.write_all(&chunk[..n]).ctx(|| "pad runtime binary".into())?;
            left -= n as u64;
        }
        out.set_permissions(std::fs::Permissions::from_mode(0o755)).ctx(|| "chmod runtime binary".into())?;
        Ok(RuntimeBinary { path, size, stage2_size })
    }
}
