//! The ratio a row reports, and its interval, for the question a reader asks: what will
//! this cost on the next run? A run's bootstrap interval answers a narrower one (how
//! precisely did this run measure?), and the longer the run, the more it overstates what
//! is known: passes made with fresh workers differ by 1.9–7 times their own bootstrap
//! errors. With several passes the headline combines them by random effects (see
//! [`hksj`](super::random_effects::hksj)); with one it is that pass's bootstrap interval,
//! labelled as describing this run only.
//!
//! Passes of one run share the time it was made at, and runs made at other times differ
//! by more than the passes' spread explains (see [`super::between_runs`]). The caller
//! says how much: with a between-run sd of 0 the interval is for where this run's passes
//! centre, with the measured prior it is for runs made at other times too (the known
//! variance is added, and the t quantile's degrees of freedom follow Satterthwaite).

use super::random_effects::hksj;
use super::{block_for, intervals_with, median, resamples_for, t_quantile, ByRound};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// One pass's ratio of medians, with its 95% interval from the block bootstrap over that
/// pass's rounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PassEstimate {
    pub ratio: f64,
    pub ci95: [f64; 2],
}

/// The normal quantile a 95% interval spans on each side.
fn z975() -> f64 {
    Normal::new(0.0, 1.0)
        .expect("standard normal")
        .inverse_cdf(0.975)
}

/// A standard error below this is a constant series, not a measurement: it is floored so
/// that the combination stays defined (and the passes' spread then decides alone).
const MIN_SE: f64 = 1e-12;

impl PassEstimate {
    /// `x` against `reference` over the rounds of one pass (the same rounds, in order).
    pub fn of(x: &ByRound, reference: &ByRound, seed: u64) -> Option<PassEstimate> {
        let resamples = resamples_for(x.all().len() + reference.all().len());
        PassEstimate::with_resamples(x, reference, seed, resamples)
    }

    pub(crate) fn with_resamples(
        x: &ByRound,
        reference: &ByRound,
        seed: u64,
        resamples: usize,
    ) -> Option<PassEstimate> {
        if x.rounds() == 0 || x.rounds() != reference.rounds() {
            return None;
        }
        let block = block_for(x, Some(reference));
        let ci95 = intervals_with(x, Some(reference), block, seed, resamples)?.ratio?;
        let ratio = median(x.all()) / median(reference.all());
        (ratio.is_finite() && ratio > 0.0).then_some(PassEstimate { ratio, ci95 })
    }

    pub fn log_ratio(&self) -> f64 {
        self.ratio.ln()
    }

    /// The within-pass standard error of the log ratio: that of a normal interval as wide
    /// as the bootstrap's (on the log scale, where ratios are symmetric).
    pub fn se(&self) -> f64 {
        let width = self.ci95[1].ln() - self.ci95[0].ln();
        if width.is_finite() {
            (width / (2.0 * z975())).max(MIN_SE)
        } else {
            f64::INFINITY
        }
    }
}

/// What a headline interval describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// One pass: how precisely this run measured. It says nothing of how far the next run
    /// will land, and must be read (and printed) as such.
    ThisRun,
    /// Independent passes: where further runs on this machine will centre.
    Passes,
}

/// The ratio to print first, its 95% interval, and what they describe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub value: f64,
    pub ci95: [f64; 2],
    pub scope: Scope,
    pub passes: u32,
    /// The between-pass standard deviation of the log ratio (τ), with several passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between_passes_sd: Option<f64>,
    /// The between-run sd of the log ratio added as known (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub between_runs_sd: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Headline {
    /// The headline of a row's passes, in pass order: a random-effects combination of two
    /// or more, with the known per-run sd `between_runs` of the log ratio added (0 for
    /// none); the bootstrap interval of one, which describes that run only whatever
    /// `between_runs` is. `None` for no pass or an unusable one.
    pub fn of(passes: &[PassEstimate], between_runs: f64) -> Option<Headline> {
        match passes {
            [] => None,
            [one] => {
                let usable = one.ratio.is_finite() && one.ci95.iter().all(|c| c.is_finite());
                usable.then_some(Headline {
                    value: one.ratio,
                    ci95: one.ci95,
                    scope: Scope::ThisRun,
                    passes: 1,
                    between_passes_sd: None,
                    between_runs_sd: 0.0,
                })
            }
            _ => {
                let y: Vec<f64> = passes.iter().map(PassEstimate::log_ratio).collect();
                let se: Vec<f64> = passes.iter().map(PassEstimate::se).collect();
                let pooled = hksj(&y, &se)?;
                let known = between_runs * between_runs;
                let var = pooled.se * pooled.se + known;
                let df = if known > 0.0 {
                    (var * var / (pooled.se.powi(4) / pooled.df)).min(1e6)
                } else {
                    pooled.df
                };
                let half = t_quantile(0.975, df) * var.sqrt();
                Some(Headline {
                    value: pooled.mean.exp(),
                    ci95: [(pooled.mean - half).exp(), (pooled.mean + half).exp()],
                    scope: Scope::Passes,
                    passes: passes.len() as u32,
                    between_passes_sd: Some(pooled.tau),
                    between_runs_sd: between_runs,
                })
            }
        }
    }

    /// What the interval describes, for a table's caption or a summary line.
    pub fn label(&self) -> String {
        match self.scope {
            Scope::ThisRun => "this run only".into(),
            Scope::Passes if self.between_runs_sd > 0.0 => {
                format!("over {} passes and runs at other times", self.passes)
            }
            Scope::Passes => format!("over {} passes", self.passes),
        }
    }

    pub fn describes_this_run_only(&self) -> bool {
        self.scope == Scope::ThisRun
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(ratio: f64, half: f64) -> PassEstimate {
        PassEstimate {
            ratio,
            ci95: [ratio * (-half).exp(), ratio * half.exp()],
        }
    }

    #[test]
    fn one_pass_is_labelled_as_this_run_only() {
        let h = Headline::of(&[pass(1.1, 0.01)], 0.01).unwrap();
        assert_eq!(h.scope, Scope::ThisRun);
        assert!(h.describes_this_run_only());
        assert_eq!(h.label(), "this run only");
        assert_eq!(h.ci95, pass(1.1, 0.01).ci95);
        assert!(Headline::of(&[], 0.0).is_none());
    }

    #[test]
    fn passes_that_disagree_widen_the_interval_past_each_pass() {
        let passes: Vec<PassEstimate> = [1.10, 1.13, 1.15, 1.12, 1.09]
            .iter()
            .map(|r| pass(*r, 0.008))
            .collect();
        let h = Headline::of(&passes, 0.0).unwrap();
        assert_eq!(h.scope, Scope::Passes);
        assert_eq!(h.label(), "over 5 passes");
        assert!(h.ci95[0] < h.value && h.value < h.ci95[1]);
        // Wider than a pass's own interval would be over five passes (±0.8%/√5 ≈ ±0.36%).
        let half = (h.ci95[1] / h.ci95[0]).ln() / 2.0;
        assert!(half > 0.008 / 5f64.sqrt() * 2.0, "{half}");
        assert!(h.between_passes_sd.unwrap() > 0.01);
        // A known between-run sd widens it further, and says so.
        let runs = Headline::of(&passes, 0.01).unwrap();
        assert!(runs.ci95[0] < h.ci95[0] && runs.ci95[1] > h.ci95[1]);
        assert_eq!(runs.value, h.value);
        assert_eq!(runs.label(), "over 5 passes and runs at other times");
        // The se read back from a pass's interval is half its log width over 1.96.
        assert!((pass(1.0, 0.0196).se() - 0.0196 / 1.959964).abs() < 1e-6);
    }
}
