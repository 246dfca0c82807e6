use super::executor::{time_one, Missed};

/// Timed-out starts a runtime peer's row survives: a runtime's rare hang (youki's SIGCHLD
/// race) is its own behaviour, counted, and costs a round, not the row; one more fails it.
/// A strategy's start never hangs unless something is broken: its first timeout fails it.
pub const MAX_TIMEOUTS: u32 = 3;
use super::{Unit, UnitState};
pub use crate::results::{Plan, RunCount};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// What a run tells whoever watches it (a progress bar, criterion-style): given to the
/// scheduler, so that measuring knows nothing of how it is shown.
pub trait Observer {
    /// Pass `index` (from 0) of at most `of` begins, in a fresh worker.
    fn pass(&self, _index: u32, _of: u32) {}
    /// `total` measured starts are about to run.
    fn start(&self, _total: u64) {}
    /// One measured start of the row named `row` has run, in `seconds`.
    fn tick(&self, _row: &str, _seconds: f64) {}
    fn finish(&self) {}
}

/// An observer that shows nothing.
pub struct Silent;

impl Observer for Silent {}

/// Which start of `unit` failed: `run N`, or `warmup` (no round id).
fn when(id: Option<u32>, unit: &Unit) -> String {
    match id {
        Some(_) => format!("run {}", unit.samples.len() + 1),
        None => "warmup".into(),
    }
}

/// One interleaved round: every ready unit runs `block` starts, in `order`. A unit whose
/// start fails drops out with the reason. Returns the wall time each unit spent.
fn round(
    units: &mut [Unit],
    order: &[usize],
    block: u32,
    id: Option<u32>,
    progress: &dyn Observer,
) -> Vec<f64> {
    let mut spent = vec![0.0; units.len()];
    for &i in order {
        let unit = &mut units[i];
        for _ in 0..block {
            if !unit.is_ready() {
                break;
            }
            match time_one(unit, id.unwrap_or(0)) {
                Ok(sample) => {
                    spent[i] += sample.wall;
                    if id.is_some() {
                        unit.samples.push(sample);
                        progress.tick(&unit.name(), sample.wall);
                    }
                }
                Err(Missed::TimedOut(e)) => {
                    unit.timeouts += 1;
                    if !unit.row.is_runtime() {
                        unit.state = UnitState::Failed(format!("{}: {e}", when(id, unit)));
                    } else if unit.timeouts > MAX_TIMEOUTS {
                        unit.state = UnitState::Failed(format!(
                            "{} starts timed out (more than {MAX_TIMEOUTS}); the last: {e}",
                            unit.timeouts
                        ));
                    }
                }
                Err(Missed::Failed(e)) => {
                    unit.state = UnitState::Failed(format!("{}: {e}", when(id, unit)));
                }
            }
        }
    }
    spent
}

/// Run one pass over every ready unit: interleaved warmup rounds, then measured rounds
/// numbered from `first_round`, each running every unit in an order shuffled afresh, so
/// that drift in the machine hits all alike. Every unit runs the same rounds; all stop
/// together. Returns the number of measured rounds.
pub fn run(
    units: &mut [Unit],
    plan: &Plan,
    pass: u32,
    first_round: u32,
    progress: &dyn Observer,
) -> u32 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(plan.pass_seed(pass));
    let mut order: Vec<usize> = (0..units.len()).collect();
    let mut per_start = vec![0.0; units.len()];
    for _ in 0..plan.warmup {
        order.shuffle(&mut rng);
        for (i, s) in round(units, &order, plan.block, None, progress)
            .into_iter()
            .enumerate()
        {
            per_start[i] += s / f64::from(plan.warmup * plan.block);
        }
    }
    let mut done = 0;
    let rounds = match plan.runs {
        RunCount::Fixed(n) => n,
        RunCount::Budget { min, max, seconds } => {
            if plan.warmup == 0 {
                // No warmup to learn from: the first measured round is the estimate.
                order.shuffle(&mut rng);
                let spent = round(units, &order, plan.block, Some(first_round), progress);
                for (i, s) in spent.into_iter().enumerate() {
                    per_start[i] = s / f64::from(plan.block);
                }
                done = 1;
            }
            let ready: Vec<usize> = (0..units.len()).filter(|&i| units[i].is_ready()).collect();
            let round_cost: f64 =
                ready.iter().map(|&i| per_start[i]).sum::<f64>() * f64::from(plan.block);
            rounds_in_budget(round_cost, seconds * ready.len() as f64, min, max)
        }
    };
    let ready = units.iter().filter(|u| u.is_ready()).count() as u64;
    progress.start(ready * u64::from(rounds) * u64::from(plan.block));
    for r in done..rounds {
        order.shuffle(&mut rng);
        round(units, &order, plan.block, Some(first_round + r), progress);
    }
    progress.finish();
    rounds
}

/// hyperfine's rule, for rounds: fill the budget, but never fewer than `min` rounds nor
/// more than `max`.
pub fn rounds_in_budget(round_cost: f64, seconds: f64, min: u32, max: u32) -> u32 {
    if round_cost <= 0.0 || !round_cost.is_finite() {
        return min;
    }
    let fit = (seconds / round_cost).floor();
    (fit.min(f64::from(max)) as u32).max(min)
}

#[cfg(test)]
mod tests {
    use super::rounds_in_budget;

    #[test]
    fn budget_fills_within_bounds() {
        // Ten units of 1 ms each: a round costs 10 ms; 3 s per unit is 30 s in all.
        assert_eq!(rounds_in_budget(0.010, 30.0, 10, 100_000), 3000);
        assert_eq!(rounds_in_budget(0.010, 30.0, 10, 500), 500);
        assert_eq!(rounds_in_budget(10.0, 30.0, 10, 500), 10);
        assert_eq!(rounds_in_budget(0.0, 30.0, 7, 500), 7);
    }
}
