//! The memory-limit sweep: every start runs with a memory limit on its container's
//! cgroup, and whether it starts at all is the outcome (runc issues 1980, 3986, 4427:
//! containers killed at start under limits near 10 MiB, because runc copied itself into
//! their cgroup). Per value and row: starts that succeeded, starts that failed, of those
//! the OOM kills, the reasons, the time of the successful ones, and the peak charge of
//! the container's cgroup and of the caller's, which show who paid for a copy.
//!
//! Each start gets fresh cgroups, named with the run's prefix (the janitor's), made
//! before and removed after it, outside the timed span:
//!
//! - the caller's, `<prefix>ml-<n>-caller` under this process's memory cgroup, unlimited:
//!   the worker moves into it for the start (as the charge probe does), so whatever it and
//!   the children it spawns there charge is the caller's;
//! - the container's, limited: for container-start `<prefix>ml-<n>-ctr` beside it, which
//!   the container's process joins; for a whole runtime (full-start, the peers)
//!   `/<prefix>ml-<n>-rt/ctr` at the hierarchy's root, named by the bundle's
//!   `cgroupsPath` and limited by its `linux.resources.memory.limit`, as a user limits a
//!   container; the runtime makes and deletes `ctr`, and the parent `<prefix>ml-<n>-rt`,
//!   made by the sweep, keeps its peak (peaks are hierarchical) after the delete.
//!
//! Where the copy is made (`--copy-in`): `container` (runc 1.1 and earlier), a forked
//! child joins the container's cgroup, seals there and execs its copy, so an OOM kill
//! while it copies kills that child, and the start fails; `caller` (runc 1.2 and later),
//! the worker seals in the caller's cgroup and only the child joins the container's. A
//! peer copies (or not) where it copies: that is what its two peaks show.
//!
//! OOM kills are read from the cgroup where the victim was: the container's own counter
//! (`memory.oom_control` on v1, `memory.events` on v2, see `side_effects::memcg`). When a
//! runtime deleted that cgroup with its container, v2's parent still counts the kill
//! (v2 counts a subtree's kills); v1 counts it in the deleted cgroup alone, and then a
//! failed start during which the machine's OOM-kill count (`/proc/vmstat`) rose is
//! counted as one, and its reason says so.

use super::{MemoryOutcomes, SweepEntry};
use crate::benchmark::{unit_for, Plan, Row, RunCount, Unit, UnitState};
use crate::error::{Error, Result};
use crate::peer::RuntimeSpec;
use crate::process::fork::ForkSafe;
use crate::results::Status;
use crate::sandbox::Sandbox;
use crate::side_effects::memcg::{self, Cgroup, Hierarchy, Version};
use crate::workload::{Confined, CopyIn, Workload};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::PathBuf;
use std::time::Instant;
use strategies::SealStrategy;

/// What a memory-limit sweep measures.
pub struct Setup<'a> {
    pub values: &'a [(String, f64)],
    pub strategies: &'a [&'static dyn SealStrategy],
    pub workloads: &'a [&'static dyn Workload],
    pub runtimes: &'a [RuntimeSpec],
    pub copy_in: CopyIn,
    pub plan: &'a Plan,
}

/// What the memory-limit sweep's memory figures are (the results' `memory.note`).
pub const NOTE: &str = "memory-limit: every start in fresh cgroups: the container's, limited \
(container-start: made by the sweep; a whole runtime: made by the runtime as the bundle's \
cgroupsPath and linux.resources.memory.limit say, under a parent the sweep made), and the \
caller's, unlimited, holding the worker for the start. Per value and row: starts that \
succeeded, that failed, and of those the OOM kills, read from the victim's cgroup (v1 \
memory.oom_control, v2 memory.events; on v1 where a runtime deleted it, a rise of \
/proc/vmstat's oom_kill during the failed start); peaks are the cgroups' own counters \
(hierarchical), medians over the starts.";

/// A value's limit: `0` stands for `none`.
fn limit_of(value_num: f64) -> Option<u64> {
    (value_num > 0.0).then_some(value_num as u64)
}

/// One (row, value) of the sweep as it is measured.
#[derive(Default)]
struct Cell {
    times: Vec<f64>,
    rounds: Vec<u32>,
    succeeded: u32,
    failed: u32,
    oom_kills: u32,
    /// (normalized reason, first reason seen, count, OOM kills among them)
    reasons: Vec<(String, String, u32, u32)>,
    container_peaks: Vec<u64>,
    caller_peaks: Vec<u64>,
    /// The sweep itself failed here (a cgroup it could not make): not an outcome.
    broken: Option<String>,
}

/// How the container of a row's start gets its cgroup.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// sealbench's own container start: the sweep makes the container's cgroup.
    Own,
    /// A whole runtime (full-start's, a peer) makes it from the bundle's `cgroupsPath`.
    Runtime,
}

struct RowUnit {
    unit: Unit,
    kind: Kind,
    /// The size of the binary a copy would copy.
    binary: u64,
}

/// One start's result.
struct Start {
    wall: f64,
    outcome: std::result::Result<(), String>,
    oom: bool,
    container_peak: Option<u64>,
    caller_peak: Option<u64>,
}

/// Measure every (row, value) in interleaved rounds; returns the entries and how the
/// cgroups were read.
pub fn measure(sb: &Sandbox, s: &Setup) -> Result<(Vec<SweepEntry>, memcg::Method)> {
    let memory = Hierarchy::find().map_err(|e| {
        Error::failure(format!("the memory-limit sweep needs a memory cgroup: {e}"))
    })?;
    let mut rows = rows(sb, s);
    let mut cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|_| s.values.iter().map(|_| Cell::default()).collect())
        .collect();
    let runs = match s.plan.runs {
        RunCount::Fixed(r) => r,
        RunCount::Budget { min, .. } => min,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(s.plan.seed);
    let mut order: Vec<(usize, usize)> = (0..rows.len())
        .flat_map(|r| (0..s.values.len()).map(move |v| (r, v)))
        .collect();
    let bundles = sb.subdir("memory-limit")?;
    let mut n = 0u64;
    for r in 0..s.plan.warmup + runs {
        let measured = r >= s.plan.warmup;
        let round = r.saturating_sub(s.plan.warmup);
        order.shuffle(&mut rng);
        for &(i, v) in &order {
            let row = &mut rows[i];
            let cell = &mut cells[i][v];
            if !row.unit.is_ready() || cell.broken.is_some() {
                continue;
            }
            n += 1;
            let limit = limit_of(s.values[v].1);
            match one(sb, &memory, row, limit, s.copy_in, n, &bundles) {
                Ok(start) if measured => record(cell, start, round),
                Ok(_) => {}
                Err(e) => cell.broken = Some(format!("round {r}: {e}")),
            }
        }
    }
    for row in rows.iter_mut() {
        row.unit.finish();
    }
    let mut out = Vec::new();
    for (row, cells) in rows.iter().zip(cells) {
        for ((value, num), cell) in s.values.iter().zip(cells) {
            out.push(entry(row, value, *num, cell));
        }
    }
    super::analyze(&mut out, s.plan.seed);
    Ok((out, memory.method()))
}

/// The sweep's rows: every (container workload, strategy), then the peers. exec-true
/// makes no container: its rows are unsupported, with why.
fn rows(sb: &Sandbox, s: &Setup) -> Vec<RowUnit> {
    let mut rows = Vec::new();
    for w in s.workloads {
        if !w.container() {
            for st in s.strategies {
                rows.push(RowUnit {
                    unit: Unit::new(
                        Row::Strategy(*st),
                        w.name(),
                        UnitState::Unsupported(format!(
                            "{} makes no container, so no container cgroup to limit",
                            w.name()
                        )),
                    ),
                    kind: Kind::Own,
                    binary: sb.exe_size(),
                });
            }
            continue;
        }
        let kind = if w.binary() == crate::workload::Binary::Runtime {
            Kind::Runtime
        } else {
            Kind::Own
        };
        for st in s.strategies {
            let owner = format!("ml-{}-{}", w.name(), st.name());
            let before = thread_names();
            let mut unit = unit_for(sb, *st, *w, &owner);
            // A sealer that works on a thread of its own (bind-ro's namespace thread)
            // cannot seal in a forked child, which has no such thread; and while that
            // thread runs, no child that allocates may be forked at all.
            let new: Vec<String> = thread_names().difference(&before).cloned().collect();
            if s.copy_in == CopyIn::Container && !new.is_empty() && unit.is_ready() {
                unit.finish();
                unit.state = UnitState::Unsupported(format!(
                    "{} seals on a thread of its own ({}), which a child forked to seal in \
                     the container's cgroup would not have: run it with --copy-in caller",
                    st.name(),
                    new.join(", ")
                ));
            }
            rows.push(RowUnit {
                unit,
                kind,
                binary: sb.exe_size(),
            });
        }
    }
    for spec in s.runtimes {
        let unit = crate::peer::unit(spec, sb);
        rows.push(RowUnit {
            unit,
            kind: Kind::Runtime,
            binary: spec.binary_bytes(),
        });
    }
    rows
}

/// The names of the threads a fork would copy (see `process::fork::others`).
fn thread_names() -> std::collections::BTreeSet<String> {
    crate::process::fork::others()
        .into_iter()
        .map(|t| {
            let name = t.split_once(' ').map_or(t.as_str(), |(_, name)| name);
            name.trim_start_matches('(')
                .trim_end_matches(')')
                .to_string()
        })
        .collect()
}

/// The cgroups of one start, removed when dropped (their every hierarchy's, for a
/// runtime's).
struct Cgroups {
    /// The names' common prefix, `<run prefix>ml-<n>-`.
    base: String,
    caller: Option<Cgroup>,
    /// The container's, when the sweep made it.
    container: Option<Cgroup>,
    /// A runtime's container's parent, at the hierarchy's root.
    parent: Option<Cgroup>,
}

impl Cgroups {
    /// Remove them all: children first, in every hierarchy (a runtime makes
    /// `<base>rt/ctr` in each one it knows).
    fn remove(&mut self) -> Result<()> {
        let mut first = Ok(());
        for c in [
            self.container.take(),
            self.caller.take(),
            self.parent.take(),
        ]
        .into_iter()
        .flatten()
        {
            let removed = c.remove();
            if first.is_ok() {
                first = removed;
            }
        }
        let removed = memcg::remove_named(&self.base);
        if first.is_ok() {
            first = removed;
        }
        first
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

/// One start of `row` with `limit` on its container's memory cgroup. `Err` is a failure of
/// the sweep itself; a start that fails is an outcome in [`Start`].
fn one(
    sb: &Sandbox,
    memory: &Hierarchy,
    row: &mut RowUnit,
    limit: Option<u64>,
    copy_in: CopyIn,
    n: u64,
    bundles: &std::path::Path,
) -> Result<Start> {
    let base = format!("{}ml-{n}-", crate::sandbox::janitor::own_prefix());
    let mut groups = Cgroups {
        base: base.clone(),
        caller: None,
        container: None,
        parent: None,
    };
    let caller = memory.make(&format!("{base}caller"))?;
    let cgroups_path = format!("/{base}rt/ctr");
    let bundle: PathBuf = match row.kind {
        Kind::Own => {
            let c = memory.make(&format!("{base}ctr"))?;
            c.set_limit(limit)?;
            groups.container = Some(c);
            sb.bundle()?
        }
        Kind::Runtime => {
            groups.parent = Some(memory.make_at(&format!("/{base}rt"))?);
            // The seal joins the container's cgroup before the runtime exists: made
            // ahead, with the limit the runtime will set on it again.
            if copy_in == CopyIn::Container && !row.unit.row.is_runtime() {
                let c = memory.make_at(&cgroups_path)?;
                c.set_limit(limit)?;
                groups.container = Some(c);
            }
            crate::bundle::confined(&sb.bundle()?, bundles, &cgroups_path, limit)?
        }
    };
    let UnitState::Ready(contender) = &mut row.unit.state else {
        unreachable!("only ready rows start");
    };
    // Only a strategy's seal in the container's cgroup forks a child that allocates.
    let forks = copy_in == CopyIn::Container && !row.unit.row.is_runtime();
    let fork_safe = forks.then(ForkSafe::check).transpose()?;
    let confined = Confined {
        copy_in,
        container: groups.container.as_ref().map(Cgroup::procs),
        caller: caller.procs(),
        bundle: &bundle,
        fork_safe: fork_safe.as_ref(),
    };
    let system_ooms = memcg::system_oom_kills();
    let kills = crate::process::watchdog::kills();
    let joined = caller.enter(&memory.own)?;
    let t0 = Instant::now();
    let started = contender.start_confined(&confined);
    let wall = t0.elapsed().as_secs_f64();
    let left = joined.leave();
    let timed_out = crate::process::watchdog::kills() > kills;
    // Outside the timed span: what a failed start left is removed before the next one,
    // even when the worker could not leave the caller's cgroup.
    let after = contender.after_start();
    left?;
    let outcome = match started {
        Ok(exit) if exit.success() => Ok(()),
        Ok(exit) => Err(match (row.kind, libc::WEXITSTATUS(exit.status)) {
            (Kind::Runtime, 137) if libc::WIFEXITED(exit.status) => format!(
                "the start {} (its container's process killed by SIGKILL)",
                exit.describe()
            ),
            _ => format!("the start {}", exit.describe()),
        }),
        Err(e) => Err(e.to_string()),
    };
    let caller_peak = caller.peak().ok();
    groups.caller = Some(caller);
    let (container_peak, counted) = match row.kind {
        Kind::Own => {
            let c = groups.container.as_ref().expect("made above");
            (c.peak().ok(), c.oom_kills().ok())
        }
        Kind::Runtime => {
            let parent = groups.parent.as_ref().expect("made above");
            // The container's own cgroup, while it exists (the runtime never ran, or
            // failed to delete it): its kills; else v2's parent counts the subtree's.
            let own = memory
                .existing(&cgroups_path)
                .and_then(|c| c.oom_kills().ok());
            let subtree = (memory.version == Version::V2)
                .then(|| parent.oom_kills().ok())
                .flatten();
            (parent.peak().ok(), own.max(subtree))
        }
    };
    let system_rose = match (system_ooms, memcg::system_oom_kills()) {
        (Some(a), Some(b)) => b > a,
        _ => false,
    };
    let (oom, outcome) = match outcome {
        Ok(()) => (false, Ok(())),
        Err(why) if timed_out => (false, Err(format!("timed out (--run-timeout): {why}"))),
        Err(why) => match counted {
            Some(k) if k > 0 => (true, Err(format!("OOM-killed: {why}"))),
            // v1 counted the kill in a cgroup the runtime deleted.
            _ if system_rose && row.kind == Kind::Runtime && memory.version == Version::V1 => (
                true,
                Err(format!(
                    "OOM-killed (the machine's OOM-kill count rose during the start; its cgroup went with the container): {why}"
                )),
            ),
            _ => (false, Err(why)),
        },
    };
    groups.remove()?;
    after?;
    Ok(Start {
        wall,
        outcome,
        oom,
        container_peak,
        caller_peak,
    })
}

fn record(cell: &mut Cell, start: Start, round: u32) {
    if let Some(p) = start.container_peak {
        cell.container_peaks.push(p);
    }
    if let Some(p) = start.caller_peak {
        cell.caller_peaks.push(p);
    }
    match start.outcome {
        Ok(()) => {
            cell.succeeded += 1;
            cell.times.push(start.wall);
            cell.rounds.push(round);
        }
        Err(why) => {
            cell.failed += 1;
            cell.oom_kills += u32::from(start.oom);
            // Reasons that differ only in numbers (pids, container ids) are one reason.
            let mut key = String::with_capacity(why.len());
            for c in why.chars() {
                match (c.is_ascii_digit(), key.ends_with('#')) {
                    (true, true) => {}
                    (true, false) => key.push('#'),
                    (false, _) => key.push(c),
                }
            }
            match cell.reasons.iter_mut().find(|r| r.0 == key) {
                Some(r) => {
                    r.2 += 1;
                    r.3 += u32::from(start.oom);
                }
                None => cell.reasons.push((key, why, 1, u32::from(start.oom))),
            }
        }
    }
}

fn median(v: &[u64]) -> Option<u64> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// Below this, a binary's copy cannot be told from what a start holds anyway (a runtime's
/// own pages, page tables, a container's mounts: 0.2 to 3 MiB here).
pub const TELLING_SIZE: u64 = 4 << 20;

/// Where a copy of `binary` bytes was charged, from one cell's median peaks: the side
/// whose peak reaches three quarters of the binary's size (the container's first: its
/// cgroup holds the container's process alone). Three quarters, not all: a runtime that
/// copies while it is being moved into the container's cgroup (runc 1.1's `runc init`)
/// charges the first pages to the caller and the rest to the container, and the other
/// side's own memory (a few MiB) never makes up a quarter of a runtime's binary. Read at
/// the value without a limit; below the binary's size a limit caps the container's peak.
pub fn charged_to(container: Option<u64>, caller: Option<u64>, binary: u64) -> &'static str {
    let reaches = |p: Option<u64>| p.is_some_and(|p| p >= binary / 4 * 3);
    if binary < TELLING_SIZE {
        "too small to tell"
    } else if reaches(container) {
        "container"
    } else if reaches(caller) {
        "caller"
    } else {
        "neither"
    }
}

fn entry(row: &RowUnit, value: &str, value_num: f64, cell: Cell) -> SweepEntry {
    let (status, reason) = match (&cell.broken, row.unit.state.status()) {
        (Some(why), _) => (Status::Failed, Some(why.clone())),
        (None, (status, why)) => (status, why),
    };
    let ran = status == Status::Ok;
    let container_peak = median(&cell.container_peaks);
    let caller_peak = median(&cell.caller_peaks);
    let mut reasons = cell.reasons;
    reasons.sort_by(|a, b| b.2.cmp(&a.2));
    SweepEntry {
        strategy: row.unit.name(),
        workload: row.unit.workload.clone(),
        value: value.to_string(),
        value_num,
        status,
        reason,
        median: None,
        ci95_median: None,
        times: if ran { cell.times } else { Vec::new() },
        rounds: if ran { cell.rounds } else { Vec::new() },
        throughput: None,
        growth: None,
        memory_limit: ran.then(|| MemoryOutcomes {
            succeeded: cell.succeeded,
            failed: cell.failed,
            oom_kills: cell.oom_kills,
            failures: reasons
                .into_iter()
                .map(|(_, why, count, oom)| super::Failure {
                    reason: why,
                    count,
                    oom_kills: oom,
                })
                .collect(),
            container_peak_bytes: container_peak,
            caller_peak_bytes: caller_peak,
            binary_bytes: row.binary,
            copy_charged_to: charged_to(container_peak, caller_peak, row.binary).into(),
        }),
        burst_memory: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_copy_is_where_a_peak_reaches_the_binary() {
        let mib = 1u64 << 20;
        assert_eq!(charged_to(Some(13 * mib), Some(mib), 12 * mib), "container");
        assert_eq!(charged_to(Some(mib), Some(14 * mib), 12 * mib), "caller");
        assert_eq!(charged_to(Some(mib), Some(2 * mib), 12 * mib), "neither");
        // runc 1.1.15: a 16 MiB copy split between the two, most of it in the container.
        assert_eq!(
            charged_to(Some(15 * mib), Some(10 * mib), 16 * mib),
            "container"
        );
        assert_eq!(charged_to(None, None, 12 * mib), "neither");
        assert_eq!(
            charged_to(Some(mib), Some(mib), mib / 2),
            "too small to tell"
        );
        assert_eq!(limit_of(0.0), None);
        assert_eq!(limit_of(8.0 * mib as f64), Some(8 * mib));
    }

    #[test]
    fn reasons_that_differ_in_numbers_are_one() {
        let mut cell = Cell::default();
        for pid in [12, 345] {
            record(
                &mut cell,
                Start {
                    wall: 0.01,
                    outcome: Err(format!("OOM-killed: child {pid} killed by signal 9")),
                    oom: true,
                    container_peak: Some(8 << 20),
                    caller_peak: None,
                },
                0,
            );
        }
        record(
            &mut cell,
            Start {
                wall: 0.002,
                outcome: Ok(()),
                oom: false,
                container_peak: Some(1 << 20),
                caller_peak: Some(1 << 20),
            },
            1,
        );
        assert_eq!((cell.succeeded, cell.failed, cell.oom_kills), (1, 2, 2));
        assert_eq!(cell.reasons.len(), 1);
        assert_eq!(cell.reasons[0].2, 2);
        assert_eq!(cell.times, vec![0.002]);
        assert_eq!(cell.rounds, vec![1]);
    }
}
