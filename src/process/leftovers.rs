//! What a container start without a pid namespace leaves running. Its init is reaped, but
//! anything it started in the background lives on: the kernel kills a pid namespace's
//! processes with its init, and here there is none. The run's worker is a child
//! subreaper (set up in the sandbox), so every orphan of a start becomes its child instead
//! of init's; after each start, those are killed with everything in the start's session.

use rustix::process::Pid;
use std::collections::BTreeSet;

/// (pid, parent, session) of every process, from /proc/<pid>/stat.
fn processes() -> Vec<(i32, i32, i32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name may hold spaces and parentheses: fields start after the last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((pid, f.get(1)?.parse().ok()?, f.get(3)?.parse().ok()?))
        })
        .collect()
}

/// Kill and reap what the start `start` (its own session leader) left: every process in
/// its session, and every child of this process in a session other than ours (an
/// orphan that moved to a session of its own). Starts run one at a time when this is
/// called, so no other start's processes are among them; the run's keepers share our
/// session and are left alone. Returns how many were killed.
pub fn kill(start: Option<Pid>) -> usize {
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let my_session = rustix::process::getsid(None).map_or(0, |s| s.as_raw_nonzero().get());
    // Without a start (a last sweep), orphans alone.
    let session = start.map_or(-1, |p| p.as_raw_nonzero().get());
    let mut killed = BTreeSet::new();
    // A killed process's children come to us in turn: go on until none is left.
    for _ in 0..1000 {
        let found: Vec<i32> = processes()
            .into_iter()
            .filter(|&(pid, ppid, sid)| {
                pid != me && (sid == session || (ppid == me && sid != my_session))
            })
            .map(|(pid, ..)| pid)
            .collect();
        if found.is_empty() {
            break;
        }
        for pid in found {
            // SAFETY: kill(2) and waitpid(2) on a process of the start's session or an
            // orphan handed to us; a pid is only reused after it is reaped, which for our
            // own children happens right here.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), libc::__WALL);
            }
            killed.insert(pid);
        }
    }
    killed.len()
}
