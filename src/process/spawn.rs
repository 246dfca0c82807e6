use super::sys::{execve_path, spawn_with, wait_exited};
use super::Argv;
use crate::error::{Error, Result};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd};
use rustix::io::Errno;
use rustix::process::Pid;
use std::time::Duration;
use strategies::{sys, Exec, ResultExt};

/// Work a child does between fork and exec (entering a container's root, say). It runs in
/// the forked child, so it must be allocation-free; on failure it gives the index of its
/// step in [`Spawn::pre_exec_steps`].
pub type PreExec<'a> = &'a dyn Fn() -> std::result::Result<(), (u8, Errno)>;

/// How to start one child.
pub struct Spawn<'a> {
    pub argv: &'a Argv,
    pub envp: &'a Argv,
    /// Extra `CLONE_NEW*` flags.
    pub clone_flags: libc::c_int,
    /// Descriptors to place at fixed numbers in the child: (source, target).
    pub fds: &'a [(BorrowedFd<'a>, libc::c_int)],
    pub pre_exec: Option<PreExec<'a>>,
    /// Names of the pre-exec steps, for the error message.
    pub pre_exec_steps: &'static [&'static str],
}

/// How a child ended, with its own resource usage from wait4.
#[derive(Debug, Clone, Copy)]
pub struct ChildExit {
    pub status: libc::c_int,
    pub user: Duration,
    pub system: Duration,
    pub max_rss_kib: u64,
    /// Exact event counts of the child and the descendants it waited for.
    pub counters: Counters,
}

/// The exact counters of `struct rusage` (the CPU times in it are tick-sampled on many
/// kernels; these are counted event by event).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    pub minor_faults: u64,
    pub major_faults: u64,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
}

impl Counters {
    fn of(ru: &libc::rusage) -> Counters {
        Counters {
            minor_faults: ru.ru_minflt as u64,
            major_faults: ru.ru_majflt as u64,
            voluntary_switches: ru.ru_nvcsw as u64,
            involuntary_switches: ru.ru_nivcsw as u64,
        }
    }

    /// The calling thread's counters so far: what a start costs the runtime's own process
    /// (the seal's copy faults there, not in the child).
    pub fn this_thread() -> Counters {
        // SAFETY: rusage is plain data, zero is a valid value, and getrusage fills it.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: a live out-pointer of the right type.
        unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
        Counters::of(&ru)
    }

    /// `self` plus what `later` counted beyond `earlier`.
    pub fn plus_since(self, earlier: Counters, later: Counters) -> Counters {
        Counters {
            minor_faults: self.minor_faults
                + later.minor_faults.saturating_sub(earlier.minor_faults),
            major_faults: self.major_faults
                + later.major_faults.saturating_sub(earlier.major_faults),
            voluntary_switches: self.voluntary_switches
                + later
                    .voluntary_switches
                    .saturating_sub(earlier.voluntary_switches),
            involuntary_switches: self.involuntary_switches
                + later
                    .involuntary_switches
                    .saturating_sub(earlier.involuntary_switches),
        }
    }
}

impl ChildExit {
    pub fn success(&self) -> bool {
        libc::WIFEXITED(self.status) && libc::WEXITSTATUS(self.status) == 0
    }

    pub fn describe(&self) -> String {
        if libc::WIFEXITED(self.status) {
            format!("exited with status {}", libc::WEXITSTATUS(self.status))
        } else if libc::WIFSIGNALED(self.status) {
            format!("killed by signal {}", libc::WTERMSIG(self.status))
        } else {
            format!("ended with wait status {:#x}", self.status)
        }
    }
}

/// Descriptors a child is given are placed below this number.
const FIRST_FREE: libc::c_int = 64;

/// Steps the child can fail at, reported through the exec-error pipe.
const STEPS: [&str; 3] = ["dup2", "pre-exec", "exec"];

/// Fork and exec `exec` as described by `spec`. Returns once the child has exec'd (the
/// CLOEXEC error pipe closed) or with the step and errno at which it failed.
pub fn spawn(exec: &Exec, spec: &Spawn) -> Result<Pid> {
    let (err_r, err_w) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    // With descriptors to place, everything the child still needs is first moved above
    // every target number, so that placing one never clobbers another, the program to
    // exec, or the error pipe. (Timed starts of most strategies place none.)
    let above =
        |fd: BorrowedFd| rustix::io::fcntl_dupfd_cloexec(fd, FIRST_FREE).ctx(|| "dup".into());
    let (err_w, exec_high, sources) = if spec.fds.is_empty() {
        (err_w, None, Vec::new())
    } else {
        let exec_high = match exec {
            Exec::Fd(fd) => Some(Exec::Fd(above(fd.as_fd())?)),
            Exec::Path(_) => None,
        };
        let sources = spec
            .fds
            .iter()
            .map(|&(src, dst)| above(src).map(|high| (high, dst)))
            .collect::<strategies::Result<Vec<_>>>()?;
        // The low copy must go: a write end left open here would hide the child's exec.
        let high = above(err_w.as_fd())?;
        drop(err_w);
        (high, exec_high, sources)
    };
    let exec = exec_high.as_ref().unwrap_or(exec);
    let placed: Vec<(BorrowedFd, libc::c_int)> = if sources.is_empty() {
        spec.fds.to_vec()
    } else {
        sources
            .iter()
            .map(|(high, dst)| (high.as_fd(), *dst))
            .collect()
    };
    let child = || -> i32 {
        let fail = |step: u8, sub: u8, e: Errno| -> i32 {
            let mut msg = [0u8; 6];
            msg[0] = step;
            msg[1] = sub;
            msg[2..].copy_from_slice(&e.raw_os_error().to_le_bytes());
            let _ = rustix::io::write(&err_w, &msg);
            127
        };
        for &(src, dst) in &placed {
            // SAFETY: plain fd juggling in the child; dup2 onto the same number would keep
            // CLOEXEC, so that case clears the flag instead.
            let r = unsafe {
                if src.as_raw_fd() == dst {
                    libc::fcntl(dst, libc::F_SETFD, 0)
                } else {
                    libc::dup2(src.as_raw_fd(), dst)
                }
            };
            if r < 0 {
                return fail(0, 0, last_errno());
            }
        }
        if let Some(pre) = spec.pre_exec {
            if let Err((sub, e)) = pre() {
                return fail(1, sub, e);
            }
        }
        // SAFETY: both vectors are Argv's: NULL-terminated arrays of C strings built before
        // the spawn and alive (borrowed by `spec`) until it returns.
        let e = unsafe {
            match exec {
                Exec::Fd(fd) => sys::execveat_fd(fd, spec.argv.as_ptr(), spec.envp.as_ptr()),
                Exec::Path(p) => execve_path(p, spec.argv.as_ptr(), spec.envp.as_ptr()),
            }
        };
        fail(2, 0, e)
    };
    // SAFETY: `child` only makes raw syscalls on data prepared before the call, and writes
    // only to its own locals.
    let pid = unsafe { spawn_with(spec.clone_flags, child) }?;
    drop(err_w);
    let mut msg = [0u8; 6];
    let n = loop {
        match rustix::io::read(&err_r, &mut msg) {
            Err(Errno::INTR) => continue,
            other => break other.ctx(|| "read exec-error pipe".into())?,
        }
    };
    if n == 0 {
        return Ok(pid);
    }
    let _ = reap(pid);
    let errno = Errno::from_raw_os_error(i32::from_le_bytes([msg[2], msg[3], msg[4], msg[5]]));
    let step = STEPS.get(msg[0] as usize).copied().unwrap_or("set-up");
    let what = match spec.pre_exec_steps.get(msg[1] as usize) {
        Some(sub) if msg[0] == 1 => format!("child {step}: {sub}"),
        _ => format!("child {step}"),
    };
    Err(strategies::Error::Sys { what, errno }.into())
}

/// Between fork and exec, in a child with memory and descriptors of its own (see
/// [`super::fork`]): place `spec`'s descriptors, run its pre-exec steps and exec `exec`, as
/// [`spawn`]'s child does. Returns only on failure, with what failed.
pub fn exec_placed(exec: &Exec, spec: &Spawn) -> String {
    let failed = |what: String, errno: Errno| strategies::Error::Sys { what, errno }.to_string();
    // Everything still needed goes above every target number first, so that placing one
    // descriptor never clobbers another or the program to exec.
    let above = |fd: BorrowedFd| rustix::io::fcntl_dupfd_cloexec(fd, FIRST_FREE);
    let mut high = Vec::with_capacity(spec.fds.len());
    for &(src, dst) in spec.fds {
        match above(src) {
            Ok(fd) => high.push((fd, dst)),
            Err(e) => return failed("child dup".into(), e),
        }
    }
    let exec_high;
    let exec = match exec {
        Exec::Fd(fd) if !spec.fds.is_empty() => match above(fd.as_fd()) {
            Ok(fd) => {
                exec_high = Exec::Fd(fd);
                &exec_high
            }
            Err(e) => return failed("child dup".into(), e),
        },
        other => other,
    };
    for (src, dst) in &high {
        // SAFETY: dup2 onto a number of this child's own table; the source is a CLOEXEC
        // copy above every target, so the placed copy alone survives the exec.
        if unsafe { libc::dup2(src.as_raw_fd(), *dst) } < 0 {
            return failed(format!("child dup2 onto {dst}"), last_errno());
        }
    }
    if let Some(pre) = spec.pre_exec {
        if let Err((sub, e)) = pre() {
            let step = spec
                .pre_exec_steps
                .get(sub as usize)
                .copied()
                .unwrap_or("set-up");
            return failed(format!("child pre-exec: {step}"), e);
        }
    }
    // SAFETY: both vectors are Argv's: NULL-terminated arrays of C strings, alive (borrowed
    // by `spec`) until the exec.
    let e = unsafe {
        match exec {
            Exec::Fd(fd) => sys::execveat_fd(fd, spec.argv.as_ptr(), spec.envp.as_ptr()),
            Exec::Path(p) => execve_path(p, spec.argv.as_ptr(), spec.envp.as_ptr()),
        }
    };
    failed("child exec".into(), e)
}

fn last_errno() -> Errno {
    Errno::from_raw_os_error(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

/// Wait for `pid` and collect its exit and rusage. A child the `--run-timeout` watchdog
/// had to kill is an error that says so.
pub fn reap(pid: Pid) -> Result<ChildExit> {
    reap_seen(pid).map(|(exit, _)| exit)
}

/// [`reap`], also giving the moment the child's exit was seen (before wait4 collected it),
/// for `--phases`.
pub fn reap_seen(pid: Pid) -> Result<(ChildExit, std::time::Instant)> {
    let watched = super::watchdog::watch(pid.as_raw_nonzero().get());
    // Unwatch before reaping: until it is reaped the child keeps its pid, so the watchdog
    // can never kill a stranger that was given the pid afterwards.
    wait_exited(pid)?;
    let seen = std::time::Instant::now();
    let timed_out = watched.timed_out();
    drop(watched);
    let (status, ru) = sys::wait4(pid)?;
    if let Some(after) = timed_out {
        return Err(Error::failure(format!(
            "timed out after {:.1} s (--run-timeout) and was killed",
            after.as_secs_f64()
        )));
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec * 1000) as u32);
    Ok((
        ChildExit {
            status,
            user: tv(ru.ru_utime),
            system: tv(ru.ru_stime),
            max_rss_kib: ru.ru_maxrss as u64,
            counters: Counters::of(&ru),
        },
        seen,
    ))
}
