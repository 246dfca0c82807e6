//! What a start leaves running: a container without a pid namespace, or a runtime (or
//! anything run on its behalf) that starts a process in the background and exits. The
//! kernel kills a pid namespace's processes with its init, and here there may be none.
//! The run's worker is a child subreaper (set up in the sandbox), so every orphan of a
//! start becomes its child instead of init's; after each start, those are killed with
//! everything in the start's process group. Every start is its own process group, as a
//! shell makes each command line a job of its own.

use crate::error::Result;
use rustix::process::Pid;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

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

/// Process groups of starts under way (their leaders' pids, counted), made by
/// [`spawn_group`] and ended by [`kill`]. Starts can run at once (the concurrency sweep's
/// starters): one start's sweep for orphans must not take another's runtime, which is
/// also our child in a group of its own.
static LIVE: Mutex<BTreeMap<i32, u32>> = Mutex::new(BTreeMap::new());

fn live() -> std::sync::MutexGuard<'static, BTreeMap<i32, u32>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Spawn, with `spawn`, a start that leads a process group of its own, and count the
/// group as under way until [`kill`] ends it. One lock over both, so that no other
/// thread's sweep can find the new group before it is counted.
pub fn spawn_group<T>(spawn: impl FnOnce() -> Result<T>, leader: impl Fn(&T) -> i32) -> Result<T> {
    let mut live = live();
    let out = spawn()?;
    *live.entry(leader(&out)).or_default() += 1;
    Ok(out)
}

/// Kill and reap what the start `start` (its own process group's leader) left: every
/// process in its group, and every child of this process in a group other than ours (an
/// orphan that moved to a group or session of its own) and other than the groups of
/// starts still under way; the run's keepers share our group and are left alone. Without
/// a start, orphans alone. Returns how many were killed.
pub fn kill(start: Option<Pid>) -> usize {
    let me = rustix::process::getpid().as_raw_nonzero().get();
    let my_group = rustix::process::getpgrp().as_raw_nonzero().get();
    let group = start.map_or(-1, |p| p.as_raw_nonzero().get());
    let mut killed = BTreeSet::new();
    // A killed process's children come to us in turn: go on until none is left.
    for _ in 0..1000 {
        let all = processes();
        // The scan runs unlocked; the choice is made under the lock, by which time any
        // group spawned during the scan is counted.
        let live = live();
        let found: Vec<i32> = all
            .into_iter()
            .filter(|&(pid, ppid, pgrp)| {
                let other_start = pgrp != group && live.contains_key(&pgrp);
                pid != me && (pgrp == group || (ppid == me && pgrp != my_group && !other_start))
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
    let mut live = live();
    if let Some(n) = live.get_mut(&group) {
        *n -= 1;
        if *n == 0 {
            live.remove(&group);
        }
    }
    killed.len()
}
