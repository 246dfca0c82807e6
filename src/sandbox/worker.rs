use super::janitor::Janitor;
use super::user_bundle::UserBundle;
use super::{namespace, Sandbox, SCRATCH_MOUNT, SCRATCH_NAME};
use crate::error::{Class, Error, Result};
use crate::interrupt;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::{Path, PathBuf};
use strategies::{sys, ResultExt};

/// What crosses the pipe from the worker back to the caller. An error crosses as its text
/// and its class, so that the exit status is the one the worker's error would have given.
#[derive(Serialize, Deserialize)]
enum Outcome<T> {
    Done(T),
    Failed { class: Class, message: String },
}

/// How to set a run's sandbox up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Size runtime binaries are padded to.
    pub exe_size: u64,
    /// A bundle of the user's to run containers from (else one is made in the scratch).
    pub bundle: Option<PathBuf>,
    /// Whole runtimes will run, or a container workload's memory-charge probe will make
    /// cgroups: on a hybrid cgroup host, hide the v2 hierarchy inside the run's namespace so
    /// that runc and crun both use v1 (crun refuses hybrid mode), and start a janitor for
    /// the cgroups they (or an interrupted probe) may leave.
    pub cgroup_v1_only: bool,
    /// Enter a new user namespace first, root mapped to an unprivileged uid.
    pub rootless: bool,
    /// Runtime binaries given by path: each stays at its own path inside the run (see
    /// `expose`).
    pub expose: Vec<PathBuf>,
    /// `--allow-hooks`: run a bundle whose config.json has OCI hooks.
    pub allow_hooks: bool,
}

/// Run `job` in a forked worker inside the run's private namespace and hand its result
/// back. The caller stays in the host namespace, so files it writes afterwards (exports)
/// land where the user asked.
pub fn in_sandbox<T, F>(options: Options, job: F) -> Result<T>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce(&Sandbox) -> Result<T>,
{
    // The user's bundle, read and detached before the scratch tmpfs covers /tmp (where it
    // may live): a mount of the host's namespace could not be bound into the run's, but a
    // detached tree can be moved there.
    let bundle = match &options.bundle {
        Some(p) => Some(UserBundle::open(p, options.allow_hooks)?),
        None => None,
    };
    let peers = options.cgroup_v1_only;
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    namespace::ensure_single_threaded()?;
    interrupt::catch();
    let run = move || -> i32 {
        interrupt::default_in_worker();
        interrupt::unblock();
        // Nothing the run starts writes to sealbench's standard output (an export may be
        // going there): the worker's own, which every start inherits, is /dev/null.
        if let Err(e) = discard_stdout() {
            eprintln!("sealbench: {e}");
            return 1;
        }
        let outcome = match setup(&options, bundle).and_then(|sb| job(&sb)) {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Failed {
                class: e.class(),
                message: e.to_string(),
            },
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
    // Blocked across the fork, so that neither side misses one in between.
    interrupt::block();
    let pid = unsafe { sys::fork_with(run) };
    // With runtime peers, a janitor outlives the run to remove what they leave when the
    // run is interrupted; dropped (after the worker is reaped, on every path out of here)
    // it cleans up and is waited for.
    let janitor = match (&pid, peers) {
        (Ok(worker), true) => Janitor::start(*worker),
        _ => None,
    };
    interrupt::unblock();
    let pid = pid?;
    let mut forwarded = false;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        // A SIGTERM sent to this process alone is passed on; Ctrl-C reached the worker
        // already, through the terminal's process group.
        if let (Some(sig), false) = (interrupt::caught(), forwarded) {
            // SAFETY: kill(2) on our own unreaped child.
            unsafe { libc::kill(pid.as_raw_nonzero().get(), sig) };
            forwarded = true;
        }
        match rustix::io::read(&r, &mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => {
                return Err(Error::Step(strategies::Error::Sys {
                    what: "read the worker's results".into(),
                    errno: e,
                }))
            }
        }
    }
    let exit = crate::process::reap(pid)?;
    if let Some(j) = janitor {
        j.finish();
    }
    if let Some(sig) = interrupt::caught() {
        return Err(Error::Interrupted {
            signal: sig,
            what: "no results written".into(),
        });
    }
    if libc::WIFSIGNALED(exit.status) {
        return Err(Error::failure(format!("run worker {}", exit.describe())));
    }
    match serde_json::from_slice::<Outcome<T>>(&bytes) {
        Ok(Outcome::Done(v)) => Ok(v),
        Ok(Outcome::Failed { class, message }) => Err(Error::Worker { class, message }),
        Err(_) => Err(Error::failure(format!(
            "run worker {} without a result",
            exit.describe()
        ))),
    }
}

/// Enter the run's sandbox in this process itself (for the benches): the process must be
/// single-threaded, and stays in the private namespace from then on.
pub fn enter_here(options: &Options) -> Result<Sandbox> {
    setup(options, None)
}

fn discard_stdout() -> Result<()> {
    use std::os::fd::AsRawFd;
    let null = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ctx(|| "open /dev/null".into())?;
    // SAFETY: dup2 onto this process's own standard output; no Rust handle owns fd 1.
    if unsafe { libc::dup2(null.as_raw_fd(), 1) } < 0 {
        return Err(Error::failure(format!(
            "dup2 /dev/null onto stdout: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

fn setup(options: &Options, bundle: Option<UserBundle>) -> Result<Sandbox> {
    if options.rootless {
        namespace::enter_rootless()?;
    }
    namespace::enter_private()?;
    let exposed = super::expose::take(&options.expose, Path::new(SCRATCH_MOUNT), SCRATCH_NAME)?;
    namespace::mount_scratch(SCRATCH_MOUNT)?;
    for e in exposed {
        e.attach()?;
    }
    // Orphans of the run's starts come to the worker, not to the host's init, so that a
    // container without a pid namespace cannot leave anything running (see
    // process::leftovers).
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))
        .ctx(|| "PR_SET_CHILD_SUBREAPER".into())?;
    if options.cgroup_v1_only {
        // With a janitor (runs that start whole runtimes or containers), every process
        // of the run stays findable after an interruption.
        super::containment::join(&super::janitor::own_prefix())?;
        namespace::hide_cgroup_v2_of_hybrid()?;
    }
    let root = PathBuf::from(SCRATCH_MOUNT).join(SCRATCH_NAME);
    std::fs::create_dir_all(&root).ctx(|| format!("mkdir {}", root.display()))?;
    // The caller's working directory may lie under /tmp, which the scratch tmpfs now
    // covers: runtimes that record their cwd (libcontainer chdirs back to it for its notify
    // socket) must find it, so the run works from its scratch space.
    std::env::set_current_dir(&root).ctx(|| format!("chdir {}", root.display()))?;
    let sandbox = Sandbox {
        root,
        exe_size: options.exe_size.into(),
        bundle: Default::default(),
    };
    if let Some(b) = bundle {
        let at = b.install(&sandbox.subdir("user-bundle")?)?;
        let _ = sandbox.bundle.set(at);
    }
    Ok(sandbox)
}
