//! The concurrency sweep: n starters of one strategy at once. Its values are interleaved
//! like every sweep's: each round runs one block of every (strategy, starter count) in a
//! shuffled order. In a block, each of the n starters makes [`BLOCK`] starts back to back;
//! the first [`SETTLE`] of each starter are left out, so that what is kept was measured with
//! all n running (steady state), and the block's throughput is all its starts over its wall
//! time. Latency is the median of the kept starts; throughput the median over blocks.

use super::SweepEntry;
use crate::benchmark::{Contender, Plan, RunCount, Unit, UnitState};
use crate::benchmark::unit_for;
use crate::results::Status;
use crate::sandbox::Sandbox;
use crate::workload::Workload;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::time::Instant;
use crate::error::{Error, Result};
use strategies::SealStrategy;

/// Starts per starter in one block, and how many of those settle unmeasured.
pub const BLOCK: u32 = 6;
pub const SETTLE: u32 = 1;

struct Cell {
    times: Vec<f64>,
    rounds: Vec<u32>,
    throughputs: Vec<f64>,
    failure: Option<String>,
}

/// One block: the first `n` contenders start `BLOCK` times each, all at once.
fn block(contenders: &mut [Box<dyn Contender>], n: usize) -> Result<(Vec<f64>, f64)> {
    let barrier = std::sync::Barrier::new(n);
    let (per_thread, begin): (Vec<Result<Vec<f64>>>, Instant) = std::thread::scope(|scope| {
        let handles: Vec<_> = contenders
            .iter_mut()
            .take(n)
            .map(|c| {
                let barrier = &barrier;
                scope.spawn(move || -> Result<Vec<f64>> {
                    barrier.wait();
                    (0..BLOCK)
                        .map(|_| {
                            let t = Instant::now();
                            let exit = c.start()?;
                            let wall = t.elapsed().as_secs_f64();
                            c.after_start()?;
                            if exit.success() {
                                Ok(wall)
                            } else {
                                Err(Error::failure(format!("the start {}", exit.describe())))
                            }
                        })
                        .collect()
                })
            })
            .collect();
        let begin = Instant::now();
        let out = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(Error::failure("starter panicked"))))
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
    strategies: &[&dyn SealStrategy],
    workloads: &[&dyn Workload],
    plan: &Plan,
) -> Result<Vec<SweepEntry>> {
    let runs = match plan.runs {
        RunCount::Fixed(r) => r,
        RunCount::Budget { min, .. } => min,
    };
    let rounds = runs.div_ceil(BLOCK - SETTLE).max(1);
    let most = values.iter().map(|(_, n)| *n as usize).max().unwrap_or(1);
    let mut groups: Vec<(String, String, Vec<Unit>)> = Vec::new();
    for w in workloads {
        for s in strategies {
            let units = (0..most)
                .map(|i| unit_for(sb, *s, *w, &format!("c{i}-{}-{}", w.name(), s.name())))
                .collect();
            groups.push((w.name().into(), s.name().into(), units));
        }
    }
    let mut cells: Vec<Vec<Cell>> = groups
        .iter()
        .map(|(_, _, units)| {
            values
                .iter()
                .map(|_| Cell {
                    times: Vec::new(),
                    rounds: Vec::new(),
                    throughputs: Vec::new(),
                    failure: units.iter().find_map(|u| match &u.state {
                        UnitState::Ready(_) => None,
                        UnitState::Unsupported(why) => Some(format!("unsupported: {why}")),
                        UnitState::Unavailable(why) => Some(format!("unavailable: {why}")),
                        UnitState::Failed(why) => Some(why.clone()),
                    }),
                })
                .collect()
        })
        .collect();
    let mut contenders: Vec<Vec<Box<dyn Contender>>> = groups
        .iter_mut()
        .map(|(_, _, units)| {
            units
                .iter_mut()
                .filter_map(|u| match std::mem::replace(&mut u.state, UnitState::Failed("moved".into())) {
                    UnitState::Ready(c) => Some(c),
                    other => {
                        u.state = other;
                        None
                    }
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
        order.shuffle(&mut rng);
        for &(g, v) in &order {
            let cell = &mut cells[g][v];
            if cell.failure.is_some() {
                continue;
            }
            match block(&mut contenders[g], values[v].1 as usize) {
                Ok((times, tp)) if measured => {
                    let round = r - plan.warmup.min(1);
                    cell.rounds.extend(std::iter::repeat_n(round, times.len()));
                    cell.times.extend(times);
                    cell.throughputs.push(tp);
                }
                Ok(_) => {}
                Err(e) => cell.failure = Some(format!("round {r}: {e}")),
            }
        }
    }
    for (g, list) in contenders.into_iter().enumerate() {
        for (u, c) in groups[g].2.iter_mut().zip(list) {
            u.state = UnitState::Ready(c);
        }
        groups[g].2.iter_mut().for_each(Unit::finish);
    }
    let mut out = Vec::new();
    for (g, (w, s, _)) in groups.iter().enumerate() {
        for (v, (value, num)) in values.iter().enumerate() {
            let cell = &mut cells[g][v];
            let (status, reason) = match cell.failure.take() {
                Some(why) if why.starts_with("unsupported: ") => {
                    (Status::Unsupported, Some(why["unsupported: ".len()..].to_string()))
                }
                Some(why) => (Status::Failed, Some(why)),
                None => (Status::Ok, None),
            };
            let ok = status == Status::Ok;
            out.push(SweepEntry {
                strategy: s.clone(),
                workload: w.clone(),
                value: value.clone(),
                value_num: *num,
                status,
                reason,
                median: None,
                ci95_median: None,
                times: if ok { std::mem::take(&mut cell.times) } else { Vec::new() },
                rounds: if ok { std::mem::take(&mut cell.rounds) } else { Vec::new() },
                throughput: (ok && !cell.throughputs.is_empty())
                    .then(|| crate::stats::median(&cell.throughputs)),
                growth: None,
            });
        }
    }
    super::analyze(&mut out, plan.seed);
    Ok(out)
}
