//! A command outside the timed starts (a runtime's `--version`, its probe start, its
//! `delete`) that must not hang the run: the `--run-timeout` watchdog kills it like any
//! start. Its output goes to captures of bounded size rather than pipes, so a descendant
//! that keeps the output open (a container's process inherits the runtime's stdio) cannot
//! hold the read open for good, and a runtime that prints without end cannot fill memory.

use super::capture::Capture;
use crate::error::{Error, Result};
use std::process::{Command, ExitStatus, Stdio};
use strategies::ResultExt;

pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run `cmd` to its end, or until the watchdog kills it (an error that says so); then
/// kill whatever it left running in its process group.
pub fn output(cmd: &mut Command, what: &str) -> Result<Output> {
    let (out, group) = output_keeping_group(cmd, what)?;
    super::leftovers::kill(Some(group));
    Ok(out)
}

/// As [`output`], but what it leaves keeps running (a `create`'s init, waiting for
/// `start`): the caller ends it with `leftovers::kill(Some(group))` once it is done with
/// it. A command that timed out has its group killed at once.
pub fn output_keeping_group(
    cmd: &mut Command,
    what: &str,
) -> Result<(Output, rustix::process::Pid)> {
    use std::os::unix::process::CommandExt;
    let (out, err) = (Capture::new("stdout")?, Capture::new("stderr")?);
    // A process group of its own, so that whatever it leaves behind (a timed-out runtime's
    // children) is found and killed after it.
    cmd.process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone_file()?))
        .stderr(Stdio::from(err.try_clone_file()?));
    let mut child = super::leftovers::spawn_group(
        || cmd.spawn().ctx(|| what.to_string()).map_err(Error::from),
        |c| c.id() as i32,
    )?;
    let pid = rustix::process::Pid::from_raw(child.id() as i32)
        .ok_or_else(|| Error::failure(format!("{what}: no pid")))?;
    let watched = super::watchdog::watch(pid.as_raw_nonzero().get());
    // Wait without reaping, stop watching, then reap: the watchdog can never signal a pid
    // that was reaped and given to a stranger.
    super::sys::wait_exited(pid)?;
    let timed_out = watched.timed_out();
    drop(watched);
    let status = child.wait().ctx(|| format!("wait for {what}"))?;
    if let Some(after) = timed_out {
        super::leftovers::kill(Some(pid));
        return Err(Error::failure(format!(
            "{what} timed out after {:.1} s (--run-timeout) and was killed",
            after.as_secs_f64()
        )));
    }
    Ok((
        Output {
            status,
            stdout: out.take(),
            stderr: err.take(),
        },
        pid,
    ))
}
