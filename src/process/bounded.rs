//! A command outside the timed starts (a runtime's `--version`, its probe start) that
//! must not hang the run: the `--run-timeout` watchdog kills it like any start. Its output
//! goes to memfds rather than pipes, so a descendant that keeps the output open (a
//! container's process inherits the runtime's stdio) cannot hold the read open for good.

use crate::error::{Error, Result};
use std::io::{Read, Seek};
use std::process::{Command, ExitStatus, Stdio};
use strategies::ResultExt;

pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

fn capture(name: &str) -> Result<std::fs::File> {
    let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC)
        .ctx(|| format!("memfd_create({name})"))?;
    Ok(std::fs::File::from(fd))
}

fn read_back(mut f: std::fs::File) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = f.rewind().and_then(|()| f.read_to_end(&mut out));
    out
}

/// Run `cmd` to its end, or until the watchdog kills it (an error that says so).
pub fn output(cmd: &mut Command, what: &str) -> Result<Output> {
    let (out, err) = (capture("stdout")?, capture("stderr")?);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().ctx(|| "dup stdout".into())?))
        .stderr(Stdio::from(err.try_clone().ctx(|| "dup stderr".into())?))
        .spawn()
        .ctx(|| what.to_string())?;
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
        return Err(Error::failure(format!(
            "{what} timed out after {:.1} s (--run-timeout) and was killed",
            after.as_secs_f64()
        )));
    }
    Ok(Output {
        status,
        stdout: read_back(out),
        stderr: read_back(err),
    })
}
