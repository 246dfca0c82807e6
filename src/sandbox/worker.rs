use super::{namespace, Sandbox, SCRATCH_MOUNT};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::PathBuf;
use strategies::{sys, Error, Result, ResultExt};

/// What crosses the pipe from the worker back to the caller.
#[derive(Serialize, Deserialize)]
enum Outcome<T> {
    Done(T),
    Failed(String),
}

/// Run `job` in a forked worker inside the run's private namespace, with the runtime
/// binary installed at `exe_size` bytes, and hand its result back. The caller stays in the
/// host namespace, so files it writes afterwards (exports) land where the user asked.
pub fn in_sandbox<T, F>(exe_size: u64, job: F) -> Result<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(&Sandbox) -> Result<T>,
{
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    let run = move || -> i32 {
        let outcome = match setup(exe_size).and_then(|sb| job(&sb)) {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Failed(e.to_string()),
        };
        let bytes = serde_json::to_vec(&outcome).unwrap_or_default();
        let mut w = std::fs::File::from(w);
        let ok = std::io::Write::write_all(&mut w, &bytes).is_ok();
        let _ = std::io::Write::flush(&mut std::io::stdout());
        if ok {
            0
        } else {
            1
        }
    };
    // SAFETY: the caller is single-threaded here (checked again inside before unshare), so
    // the worker may allocate and run arbitrary code like any forked single-threaded process.
    let pid = unsafe { sys::fork_with(run) }?;
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(&mut std::fs::File::from(r), &mut bytes);
    let exit = crate::process::reap(pid)?;
    if libc::WIFSIGNALED(exit.status) {
        return Err(Error::msg(format!("run worker {}", exit.describe())));
    }
    read.ctx(|| "read the worker's results".into())?;
    match serde_json::from_slice::<Outcome<T>>(&bytes) {
        Ok(Outcome::Done(v)) => Ok(v),
        Ok(Outcome::Failed(msg)) => Err(Error::msg(msg)),
        Err(_) => Err(Error::msg(format!(
            "run worker {} without a result",
            exit.describe()
        ))),
    }
}

fn setup(exe_size: u64) -> Result<Sandbox> {
    namespace::enter_private(SCRATCH_MOUNT)?;
    let root = PathBuf::from(SCRATCH_MOUNT).join("sealbench");
    std::fs::create_dir_all(&root).ctx(|| format!("mkdir {}", root.display()))?;
    Ok(Sandbox { root, exe_size })
}
