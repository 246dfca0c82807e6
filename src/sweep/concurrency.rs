//! The concurrency sweep: n starters of one strategy at once. Its values are interleaved
//! like every sweep's: each round runs one block of every (strategy, starter count) in a
//! shuffled order. In a block, each of the n starters makes [`BLOCK`] starts back to back;
//! the first [`SETTLE`] of each starter are left out, so that what is kept was measured with
//! all n running (steady state), and the block's throughput is all its starts over its wall
//! time. Latency is the median of the kept starts; throughput the median over blocks.

use super::SweepEntry;
use crate::benchmark::{time_one, units_for, Missed, Plan, RunCount, Unit};
use crate::error::{Error, Result};
use crate::results::Status;
use crate::sandbox::Sandbox;
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
    failure: Option<(Status, String)>,
}

/// One block of round `round`: every unit of `starters` starts `BLOCK` times, all at once.
fn block(starters: &mut [Unit], round: u32) -> Result<(Vec<f64>, f64)> {
    let n = starters.len();
    let barrier = std::sync::Barrier::new(n);
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
    plan: &Plan,
) -> Result<Vec<SweepEntry>> {
    let runs = match plan.runs {
        RunCount::Fixed(r) => r,
        RunCount::Budget { min, .. } => min,
    };
    let rounds = runs.div_ceil(BLOCK - SETTLE).max(1);
    let most = values.iter().map(|(_, n)| *n as usize).max().unwrap_or(1);
    // One group per (workload, strategy): as many units as the most starters of a block.
    let mut groups: Vec<Vec<Unit>> = Vec::new();
    for i in 0..most {
        let units = units_for(sb, strategies, workloads, &format!("c{i}-"));
        groups.resize_with(units.len(), Vec::new);
        for (group, unit) in groups.iter_mut().zip(units) {
            group.push(unit);
        }
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
                    failure: units.iter().find_map(|u| match u.state.status() {
                        (Status::Ok, _) => None,
                        (status, why) => Some((status, why.unwrap_or_default())),
                    }),
                })
                .collect()
        })
        .collect();
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
            match block(&mut groups[g][..values[v].1 as usize], round) {
                Ok((times, tp)) if measured => {
                    cell.rounds.extend(std::iter::repeat_n(round, times.len()));
                    cell.times.extend(times);
                    cell.throughputs.push(tp);
                }
                Ok(_) => {}
                Err(e) => cell.failure = Some((Status::Failed, format!("round {r}: {e}"))),
            }
        }
    }
    groups.iter_mut().flatten().for_each(Unit::finish);
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
            });
        }
    }
    super::analyze(&mut out, plan.seed);
    Ok(out)
}
