//! A stored baseline was made at another time than the run it judges, so both carry an
//! offset of their own between runs (see `stats::between_runs` for what was measured).
//!
//! Two ways to account for it were open: require a baseline made of at least two separate
//! runs and estimate the between-run variance from them, or take it as known from the
//! measurements. An estimate from two or three runs has one or two degrees of freedom,
//! and a t quantile with one degree of freedom (12.7) would make every gate inconclusive;
//! so the variance is a prior, the upper end of what was measured, added to both sides. A
//! baseline merged from several runs carries a smaller share of it.

use crate::stats::{BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD};
use serde::Serialize;

/// The between-run variance a stored-baseline gate adds to its change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BetweenRuns {
    /// Per-run sd of the log ratio beyond what the passes' spread explains.
    pub sd: f64,
    /// How many separate runs the baseline's passes came from.
    pub baseline_runs: u32,
}

/// The measured prior for a row: the copying one for a row that copies the binary per
/// start, the other for every other (runtimes included).
pub fn prior_sd(copies_per_start: bool) -> f64 {
    if copies_per_start {
        COPY_BETWEEN_RUNS_SD
    } else {
        BETWEEN_RUNS_SD
    }
}

impl BetweenRuns {
    /// The measured prior for a row, with a baseline of `baseline_runs` runs.
    pub fn prior(copies_per_start: bool, baseline_runs: u32) -> BetweenRuns {
        BetweenRuns {
            sd: prior_sd(copies_per_start),
            baseline_runs: baseline_runs.max(1),
        }
    }

    /// The variance it adds to current − baseline: the current run's own offset, and the
    /// baseline's averaged over its runs.
    pub fn variance(&self) -> f64 {
        self.sd * self.sd * (1.0 + 1.0 / f64::from(self.baseline_runs.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copying_strategies_get_the_larger_prior() {
        assert_eq!(BetweenRuns::prior(true, 1).sd, COPY_BETWEEN_RUNS_SD);
        assert_eq!(BetweenRuns::prior(false, 1).sd, BETWEEN_RUNS_SD);
        assert_eq!(prior_sd(false), BETWEEN_RUNS_SD);
        // A baseline of four runs carries a quarter of its own share.
        let four = BetweenRuns::prior(false, 4);
        assert!((four.variance() - BETWEEN_RUNS_SD.powi(2) * 1.25).abs() < 1e-15);
    }
}
