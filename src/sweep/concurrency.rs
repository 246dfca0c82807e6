//! The concurrency sweep: n starters of one strategy at once. Its values are interleaved
//! like every sweep's: each round runs one block of every (strategy, starter count) in a
//! shuffled order. In a block, each of the n starters makes [`BLOCK`] starts back to back;
//! the first [`SETTLE`] of each starter are left out, so that what is kept was measured with
//! all n running (steady state), and the block's throughput is all its starts over its wall
//! time. Latency is the median of the kept starts; throughput the median over blocks.
//!
//! Memory: each measured block runs with the worker (and so every starter thread and
//! every child it spawns) in a fresh memory cgroup of its own, and the block's figure is
//! that cgroup's peak charge (`memory.max_usage_in_bytes` on v1, `memory.peak` on v2):
//! the most the burst held at once, copies included, counted by the kernel page by page
//! (in batches of up to 64 pages per CPU), with no sample to miss a copy that lives a
//! millisecond, and nothing of the rest of the machine in it. Sampling MemAvailable or
//! Shmem would see both the machine's other work and only the moments it sampled.
//! Containers that a runtime moves into cgroups of its own elsewhere are not in it; the
//! copies are, since the caller makes them, except those a keeper process forked at set-up
//! made ahead (memfd-pool's), which stay charged where the keeper is.
//!
//! Peers: each of the n starters is a unit of the runtime of its own (its container ids
//! tagged apart), starting `RUNTIME run` as a user's n concurrent starts would. The
//! runtime's own processes are the worker's children, so in the block's cgroup: a copy a
//! runtime makes before its init joins the container's cgroup (runc ≥ 1.2) is counted.
//! runc, given a bundle without `cgroupsPath` (sealbench's), makes each container's cgroup
//! relative to its own, so inside the block's (seen as `…burst-N/<container id>`), and the
//! kernel counts a child's charge in its parent's: runc's containers, and a copy made in
//! them (runc ≤ 1.1), are in its rows' figures too. crun's and youki's containers were not
//! seen there: their rows hold the runtime's own processes.

use super::{BurstMemory, MemorySetup, SweepEntry};
use crate::benchmark::{time_one, units_for, Missed, Plan, RunCount, Unit};
use crate::error::{Error, Result};
use crate::peer::RuntimeSpec;
use crate::results::Status;
use crate::sandbox::Sandbox;
use crate::side_effects::memcg::Hierarchy;
use crate::workload::Workload;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::time::Instant;
use strategies::SealStrategy;

/// Starts per starter in one block, and how many of those settle unmeasured.
pub const BLOCK: u32 = 6;
pub const SETTLE: u32 = 1;

struct Cell {
    times: Vec<f64>,
    rounds: Vec<u32>,
    throughputs: Vec<f64>,
    /// Each measured block's peak charge.
    peaks: Vec<u64>,
    failure: Option<(Status, String)>,
}

/// What the memory figures are.
const NOTE: &str = "concurrency: per block, the peak charge of a fresh memory cgroup that held \
the worker, its starter threads and every child they spawned for the block (the kernel's own \
watermark: exact to a batch of pages, and nothing of the rest of the machine); per cell the \
median over its blocks. Copies made by the caller are in it (for a peer: by the runtime's \
own process before it joins the container's cgroup, as runc >= 1.2 does), and so are runc's \
containers, whose cgroups runc makes inside the block's (a copy made in them, as runc <= 1.1 \
does, included); crun's and youki's containers, made elsewhere, are not; copies a strategy's \
keeper made ahead (memfd-pool) are not.";

/// Run `f` with this whole process in a fresh memory cgroup `name`: its result, and the
/// cgroup's peak charge or why there is none (then `f` ran outside any).
fn held<T>(
    memory: &Hierarchy,
    name: &str,
    f: impl FnOnce() -> T,
) -> (T, std::result::Result<u64, String>) {
    let cgroup = memory.make(name);
    let joined = match &cgroup {
        Ok(c) => c.enter(&memory.own).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let out = f();
    let peak = match (joined, cgroup) {
        (Ok(joined), Ok(c)) => {
            let peak = joined.leave().and_then(|()| c.peak());
            let removed = c.remove();
            peak.and_then(|p| removed.map(|()| p))
                .map_err(|e| e.to_string())
        }
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e.to_string()),
    };
    (out, peak)
}

/// One block of round `round`: every unit of `starters` starts `BLOCK` times, all at once.
fn block(starters: &mut [Unit], round: u32) -> Result<(Vec<f64>, f64)> {
    let n = starters.len();
    // The main thread waits too, so that `begin` is taken before any start can begin.
    let barrier = std::sync::Barrier::new(n + 1);
    let (per_thread, begin): (Vec<Result<Vec<f64>>>, Instant) = std::thread::scope(|scope| {
        let handles: Vec<_> = starters
            .iter_mut()
            .map(|unit| {
                let barrier = &barrier;
                scope.spawn(move || -> Result<Vec<f64>> {
                    barrier.wait();
                    (0..BLOCK)
                        .map(|_| {
                            time_one(unit, round)
                                .map(|sample| sample.wall)
                                .map_err(Missed::into_error)
                        })
                        .collect()
                })
            })
            .collect();
        barrier.wait();
        let begin = Instant::now();
        let out = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::failure("starter panicked")))
            })
            .collect();
        (out, begin)
    });
    let wall = begin.elapsed().as_secs_f64();
    let mut kept = Vec::new();
    for t in per_thread {
        kept.extend(t?.into_iter().skip(SETTLE as usize));
    }
    Ok((kept, f64::from(BLOCK) * n as f64 / wall))
}

pub fn measure(
    sb: &Sandbox,
    values: &[(String, f64)],
    strategies: &[&'static dyn SealStrategy],
    workloads: &[&dyn Workload],
    runtimes: &[RuntimeSpec],
    plan: &Plan,
) -> Result<(Vec<SweepEntry>, MemorySetup)> {
    let runs = match plan.runs {
        RunCount::Fixed(r) => r,
        RunCount::Budget { min, .. } => min,
    };
    let rounds = runs.div_ceil(BLOCK - SETTLE).max(1);
    let most = values.iter().map(|(_, n)| *n as usize).max().unwrap_or(1);
    // One group per (workload, strategy): as many units as the most starters of a block.
    let mut groups: Vec<Vec<Unit>> = Vec::new();
    // The binary each group's copy would copy, by group.
    let mut binaries: Vec<u64> = Vec::new();
    for i in 0..most {
        let units = units_for(sb, strategies, workloads, &format!("c{i}-"));
        groups.resize_with(units.len(), Vec::new);
        binaries.resize(units.len(), sb.exe_size());
        for (group, unit) in groups.iter_mut().zip(units) {
            group.push(unit);
        }
    }
    // A peer's starters are as many units of it, each with container ids of its own; its
    // starts run in its container-start bundle whatever the sweep's workloads are.
    for spec in runtimes {
        binaries.push(spec.binary_bytes());
        groups.push(
            (0..most)
                .map(|i| crate::peer::unit_tagged(spec, sb, &format!("c{i}-")))
                .collect(),
        );
    }
    let mut cells: Vec<Vec<Cell>> = groups
        .iter()
        .map(|units| {
            values
                .iter()
                .map(|_| Cell {
                    times: Vec::new(),
                    rounds: Vec::new(),
                    throughputs: Vec::new(),
                    peaks: Vec::new(),
                    failure: units.iter().find_map(|u| match u.state.status() {
                        (Status::Ok, _) => None,
                        (status, why) => Some((status, why.unwrap_or_default())),
                    }),
                })
                .collect()
        })
        .collect();
    // A run without memory cgroups (rootless, or a v2 host that delegates none) measures
    // the rest, and says why it has no memory figures.
    let mut memory: std::result::Result<Hierarchy, String> =
        Hierarchy::find().map_err(|e| e.to_string());
    let prefix = crate::sandbox::janitor::own_prefix();
    let mut blocks = 0u64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(plan.seed);
    let mut order: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..values.len()).map(move |v| (g, v)))
        .collect();
    for r in 0..plan.warmup.min(1) + rounds {
        let measured = r >= plan.warmup.min(1);
        let round = r.saturating_sub(plan.warmup.min(1));
        order.shuffle(&mut rng);
        for &(g, v) in &order {
            let cell = &mut cells[g][v];
            if cell.failure.is_some() {
                continue;
            }
            let starters = &mut groups[g][..values[v].1 as usize];
            let (result, peak) = match (&memory, measured) {
                (Ok(m), true) => {
                    blocks += 1;
                    let (result, peak) = held(m, &format!("{prefix}burst-{blocks}"), || {
                        block(starters, round)
                    });
                    (result, Some(peak))
                }
                _ => (block(starters, round), None),
            };
            let peak = match peak {
                Some(Ok(p)) => Some(p),
                Some(Err(why)) => {
                    memory = Err(format!("a block's cgroup: {why}"));
                    None
                }
                None => None,
            };
            match result {
                Ok((times, tp)) if measured => {
                    cell.rounds.extend(std::iter::repeat_n(round, times.len()));
                    cell.times.extend(times);
                    cell.throughputs.push(tp);
                    cell.peaks.extend(peak);
                }
                Ok(_) => {}
                Err(e) => cell.failure = Some((Status::Failed, format!("round {r}: {e}"))),
            }
        }
    }
    groups.iter_mut().flatten().for_each(Unit::finish);
    // Peaks of some blocks and not others would compare nothing: all or none.
    let have_memory = memory.is_ok();
    let mut out = Vec::new();
    for (g, units) in groups.iter().enumerate() {
        for (v, (value, num)) in values.iter().enumerate() {
            let cell = &mut cells[g][v];
            let (status, reason) = match cell.failure.take() {
                Some((status, why)) => (status, Some(why)),
                None => (Status::Ok, None),
            };
            let ok = status == Status::Ok;
            out.push(SweepEntry {
                strategy: units[0].name(),
                workload: units[0].workload.clone(),
                value: value.clone(),
                value_num: *num,
                status,
                reason,
                median: None,
                ci95_median: None,
                times: if ok {
                    std::mem::take(&mut cell.times)
                } else {
                    Vec::new()
                },
                rounds: if ok {
                    std::mem::take(&mut cell.rounds)
                } else {
                    Vec::new()
                },
                throughput: (ok && !cell.throughputs.is_empty())
                    .then(|| crate::stats::median(&cell.throughputs)),
                growth: None,
                memory_limit: None,
                burst_memory: (have_memory && ok && !cell.peaks.is_empty()).then(|| {
                    let mut p = cell.peaks.clone();
                    p.sort_unstable();
                    BurstMemory {
                        peak_bytes: p[p.len() / 2],
                        max_peak_bytes: p[p.len() - 1],
                        blocks: p.len() as u32,
                        binary_bytes: binaries[g],
                    }
                }),
            });
        }
    }
    super::analyze(&mut out, plan.seed);
    let setup = match memory {
        Ok(m) => MemorySetup {
            cgroups: Some(m.method()),
            copy_in: None,
            note: NOTE.into(),
        },
        Err(why) => MemorySetup {
            cgroups: None,
            copy_in: None,
            note: format!("concurrency: no memory figures: {why}"),
        },
    };
    Ok((out, setup))
}
