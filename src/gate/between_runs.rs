//! Runs made at different times differ by more than their passes explain. A stored
//! baseline was made at another time than the run it judges, so its ratio carries an
//! offset of its own that no number of passes averages away: between the two committed
//! 10-pass baselines (results/baseline.json, results/calibration/baseline.json) the mean
//! log ratios moved by up to 1.5% for strategies that do not copy the binary and 4.2% for
//! those that do, 0–0.95% and 2.3–2.9% of sd per run once the passes' own spread is taken
//! out; the sd between runs seen in five baselines was 0.3–1.0% and 2.3–3.6%.
//!
//! Two ways to account for it were open: require a baseline made of at least two separate
//! runs and estimate the between-run variance from them, or take it as known from those
//! measurements. An estimate from two or three runs has one or two degrees of freedom,
//! and a t quantile with one degree of freedom (12.7) would make every gate inconclusive;
//! so the variance is a prior, the upper end of what was measured, added to both sides.
//! A baseline merged from several runs carries a smaller share of it, and
//! [`between_runs_sd`] estimates it from several runs for a machine that differs.

use serde::Serialize;

/// Per-run sd of the log ratio beyond the passes' spread: strategies that do not copy.
pub const BETWEEN_RUNS_SD: f64 = 0.010;
/// … and strategies that copy the binary per start, whose cost follows memory bandwidth.
pub const COPY_BETWEEN_RUNS_SD: f64 = 0.036;

/// The between-run variance a stored-baseline gate adds to its change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BetweenRuns {
    /// Per-run sd of the log ratio beyond what the passes' spread explains.
    pub sd: f64,
    /// How many separate runs the baseline's passes came from.
    pub baseline_runs: u32,
}

impl BetweenRuns {
    /// The measured prior for `strategy`, with a baseline of `baseline_runs` runs. A
    /// name no strategy answers to (a runtime) gets the non-copying prior.
    pub fn prior(strategy: &str, baseline_runs: u32) -> BetweenRuns {
        let copies = strategies::by_name(strategy).is_some_and(|s| s.copies_per_start());
        BetweenRuns {
            sd: if copies {
                COPY_BETWEEN_RUNS_SD
            } else {
                BETWEEN_RUNS_SD
            },
            baseline_runs: baseline_runs.max(1),
        }
    }

    /// The variance it adds to current − baseline: the current run's own offset, and the
    /// baseline's averaged over its runs.
    pub fn variance(&self) -> f64 {
        self.sd * self.sd * (1.0 + 1.0 / f64::from(self.baseline_runs.max(1)))
    }
}

/// The per-run sd of the log ratio beyond what passes explain, from the per-pass log
/// ratios of several runs of the same strategy (one-way random effects, by moments): the
/// variance of the runs' means less the part their passes' spread accounts for, floored
/// at 0. `None` for fewer than two runs with two passes each.
pub fn between_runs_sd(runs: &[&[f64]]) -> Option<f64> {
    let usable: Vec<&[f64]> = runs.iter().copied().filter(|r| r.len() >= 2).collect();
    if usable.len() < 2 {
        return None;
    }
    let (means, within): (Vec<f64>, Vec<f64>) = usable
        .iter()
        .map(|r| {
            let (m, sd) = crate::stats::mean_sd(r);
            (m, sd * sd / r.len() as f64)
        })
        .unzip();
    let (_, sd_of_means) = crate::stats::mean_sd(&means);
    let explained = within.iter().sum::<f64>() / within.len() as f64;
    Some((sd_of_means * sd_of_means - explained).max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn copying_strategies_get_the_larger_prior() {
        let copying = strategies::registry()
            .into_iter()
            .find(|s| s.copies_per_start())
            .expect("a strategy that copies");
        let other = strategies::registry()
            .into_iter()
            .find(|s| !s.copies_per_start())
            .expect("one that does not");
        assert_eq!(
            BetweenRuns::prior(copying.name(), 1).sd,
            COPY_BETWEEN_RUNS_SD
        );
        assert_eq!(BetweenRuns::prior(other.name(), 1).sd, BETWEEN_RUNS_SD);
        assert_eq!(BetweenRuns::prior("runc-candidate", 1).sd, BETWEEN_RUNS_SD);
        // A baseline of four runs carries a quarter of its own share.
        let four = BetweenRuns::prior(other.name(), 4);
        assert!((four.variance() - BETWEEN_RUNS_SD.powi(2) * 1.25).abs() < 1e-15);
    }

    #[test]
    fn estimate_recovers_a_known_between_run_sd() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (run, pass) = (
            Normal::new(0.0, 0.01).unwrap(),
            Normal::new(0.0, 0.015).unwrap(),
        );
        let runs: Vec<Vec<f64>> = (0..400)
            .map(|_| {
                let offset: f64 = run.sample(&mut rng);
                (0..10).map(|_| offset + pass.sample(&mut rng)).collect()
            })
            .collect();
        let refs: Vec<&[f64]> = runs.iter().map(Vec::as_slice).collect();
        let sd = between_runs_sd(&refs).unwrap();
        assert!((sd - 0.01).abs() < 0.0015, "{sd}");
        assert!(between_runs_sd(&refs[..1]).is_none());
    }
}
