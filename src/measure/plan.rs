//! The one place a run's [`Plan`] is made: how many rounds (fixed, or filling a time
//! budget), warmup, blocks, seed and passes.

use crate::error::{Error, Result};
use crate::results::{Plan, RunCount};

/// What a command asks of a plan; `build` checks it and fills in the seed.
#[derive(Debug, Clone)]
pub struct PlanSpec {
    /// Fixed rounds; without them, the count comes from the time budget.
    pub runs: Option<u32>,
    pub min_runs: u32,
    pub max_runs: Option<u32>,
    /// Seconds of measured starts per contender, over all passes.
    pub time_budget: f64,
    pub warmup: u32,
    pub block: u32,
    pub seed: Option<u64>,
    pub passes: u32,
}

impl PlanSpec {
    /// `runs` rounds exactly, `passes` passes, nothing else asked.
    pub fn fixed(runs: u32, warmup: u32, passes: u32, seed: Option<u64>) -> PlanSpec {
        PlanSpec {
            runs: Some(runs),
            min_runs: 1,
            max_runs: None,
            time_budget: 0.0,
            warmup,
            block: 1,
            seed,
            passes,
        }
    }

    pub fn build(&self) -> Result<Plan> {
        let runs = match self.runs {
            Some(n) => RunCount::Fixed(n),
            None => {
                let max = self.max_runs.unwrap_or(u32::MAX);
                if max < self.min_runs {
                    return Err(Error::usage(format!(
                        "--max-runs {max} is below --min-runs {}",
                        self.min_runs
                    )));
                }
                // The budget is the run's: each pass gets its share.
                RunCount::Budget {
                    min: self.min_runs,
                    max,
                    seconds: self.time_budget / f64::from(self.passes.max(1)),
                }
            }
        };
        Ok(Plan {
            warmup: self.warmup,
            runs,
            block: self.block,
            seed: self.seed.unwrap_or_else(rand::random),
            passes: self.passes,
        })
    }
}

/// `plan` again, with a fresh seed and `passes` passes: a new run of the same settings.
pub fn rerun_of(plan: &Plan, passes: u32) -> Plan {
    Plan {
        seed: rand::random(),
        passes,
        ..plan.clone()
    }
}
