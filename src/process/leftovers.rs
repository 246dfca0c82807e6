//! What a start leaves running: a container without a pid namespace, or a runtime (or
//! anything run on its behalf) that starts a process in the background and exits. The
//! kernel kills a pid namespace's processes with its init, and here there may be none.
//! The run's worker is a child subreaper (set up in the sandbox), so every orphan of a
//! start becomes its child instead of init's; after each start, those are killed with
//! everything in the start's process group. Every start is its own process group, as a
//! shell makes each command line a job of its own.

use rustix::process::Pid;
use std::collections::BTreeSet;

/// (pid, parent, process group) of every process, from /proc/<pid>/stat.
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
            Some((pid, f.get(1)?.parse().ok()?, f.get(2)?.parse().ok()?))
        })
        .collect()
}

/// Kill and reap what the start `start` (its own process group's leader) left: every
/// process in its group, and every child of this process in a group other than ours (an
/// orphan that moved to a group or session of its own). Starts run one at a time when
/// this is called, so no other start's processes are among them; the run's keepers share
/// our group and are left alone. Returns how many were killed.
pub fn kill(start: Option<Pid>) -> usize {
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let my_group = rustix::process::getpgrp().as_raw_nonzero().get();
    // Without a start (a last sweep), orphans alone.
    let group = start.map_or(-1, |p| p.as_raw_nonzero().get());
    let mut killed = BTreeSet::new();
    // A killed process's children come to us in turn: go on until none is left.
    for _ in 0..1000 {
        let found: Vec<i32> = processes()
            .into_iter()
            .filter(|&(pid, ppid, pgrp)| {
                pid != me && (pgrp == group || (ppid == me && pgrp != my_group))
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
