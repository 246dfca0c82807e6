use super::executor::time_one;
use super::{Unit, UnitState};
use crate::output::Progress;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// How many measured starts each unit gets.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RunCount {
    Fixed(u32),
    /// As hyperfine: as many as fit in `seconds`, estimated from the warmup, within bounds.
    Budget {
        min: u32,
        max: u32,
        seconds: f64,
    },
}

/// The measurement plan of a run, recorded in its results so a report can say how the
/// numbers were taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    pub warmup: u32,
    pub runs: RunCount,
    /// Starts of one unit in a row within a round.
    pub block: u32,
    pub seed: u64,
}

/// Run every ready unit: warmup, then rounds in which each unit runs a block of starts, in
/// an order shuffled afresh each round so that drift in the machine hits all alike.
pub fn run(units: &mut [Unit], plan: &Plan, progress: &Progress) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(plan.seed);
    for unit in units.iter_mut().filter(|u| u.is_ready()) {
        let mut spent = 0.0;
        for _ in 0..plan.warmup {
            match time_one(unit, 0) {
                Ok(s) => spent += s.wall,
                Err(e) => {
                    unit.state = UnitState::Failed(format!("warmup: {e}"));
                    break;
                }
            }
        }
        unit.target_runs = match plan.runs {
            RunCount::Fixed(n) => n,
            RunCount::Budget { min, max, seconds } => {
                let per_start = if plan.warmup > 0 {
                    spent / f64::from(plan.warmup)
                } else {
                    0.0
                };
                estimate_runs(per_start, seconds, min, max)
            }
        };
    }
    let total: u64 = units
        .iter()
        .filter(|u| u.is_ready())
        .map(|u| u64::from(u.target_runs))
        .sum();
    progress.start(total);
    let mut order: Vec<usize> = (0..units.len()).collect();
    let mut round = 0u32;
    while units.iter().any(Unit::wants_more) {
        order.shuffle(&mut rng);
        for &i in &order {
            let unit = &mut units[i];
            for _ in 0..plan.block {
                if !unit.wants_more() {
                    break;
                }
                match time_one(unit, round) {
                    Ok(sample) => {
                        unit.samples.push(sample);

                        progress.tick(&unit.strategy);
                    }
                    Err(e) => {
                        unit.state =
                            UnitState::Failed(format!("run {}: {e}", unit.samples.len() + 1))
                    }
                }
            }
        }
        round += 1;
    }
    progress.finish();
}

/// hyperfine's rule: fill the time budget, but never fewer than `min` nor more than `max`.
pub fn estimate_runs(per_start: f64, seconds: f64, min: u32, max: u32) -> u32 {
    if per_start <= 0.0 {
        return min;
    }
    let fit = (seconds / per_start).floor();
    (fit.min(f64::from(max)) as u32).max(min)
}
