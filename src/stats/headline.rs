//! The ratio a row reports, and its interval, for the question a reader asks: what will
//! this cost on the next run? A run's bootstrap interval answers a narrower one (how
//! precisely did this run measure?), and the longer the run, the more it overstates what
//! is known: passes made with fresh workers differ by 1.9–7 times their own bootstrap
//! errors. With several passes the headline combines them by random effects (see
//! [`hksj`](super::random_effects::hksj)); with one it is that pass's bootstrap interval,
//! labelled as describing this run only.

use super::random_effects::hksj;
use super::{block_for, intervals_with, median, resamples_for, ByRound};
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
        let ci95 = intervals_with(x, Some(reference), block, seed, resamples).ratio?;
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
}

impl Headline {
    /// The headline of a row's passes, in pass order: a random-effects combination of two
    /// or more, the bootstrap interval of one. `None` for no pass or an unusable one.
    pub fn of(passes: &[PassEstimate]) -> Option<Headline> {
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
                })
            }
            _ => {
                let y: Vec<f64> = passes.iter().map(PassEstimate::log_ratio).collect();
                let se: Vec<f64> = passes.iter().map(PassEstimate::se).collect();
                let pooled = hksj(&y, &se)?;
                let [lo, hi] = pooled.interval(0.95);
                Some(Headline {
                    value: pooled.mean.exp(),
                    ci95: [lo.exp(), hi.exp()],
                    scope: Scope::Passes,
                    passes: passes.len() as u32,
                    between_passes_sd: Some(pooled.tau),
                })
            }
        }
    }

    /// What the interval describes, for a table's caption or a summary line.
    pub fn label(&self) -> String {
        match self.scope {
            Scope::ThisRun => "this run only".into(),
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
        let h = Headline::of(&[pass(1.1, 0.01)]).unwrap();
        assert_eq!(h.scope, Scope::ThisRun);
        assert!(h.describes_this_run_only());
        assert_eq!(h.label(), "this run only");
        assert_eq!(h.ci95, pass(1.1, 0.01).ci95);
        assert!(Headline::of(&[]).is_none());
    }

    #[test]
    fn passes_that_disagree_widen_the_interval_past_each_pass() {
        let passes: Vec<PassEstimate> = [1.10, 1.13, 1.15, 1.12, 1.09]
            .iter()
            .map(|r| pass(*r, 0.008))
            .collect();
        let h = Headline::of(&passes).unwrap();
        assert_eq!(h.scope, Scope::Passes);
        assert_eq!(h.label(), "over 5 passes");
        assert!(h.ci95[0] < h.value && h.value < h.ci95[1]);
        // Wider than a pass's own interval would be over five passes (±0.8%/√5 ≈ ±0.36%).
        let half = (h.ci95[1] / h.ci95[0]).ln() / 2.0;
        assert!(half > 0.008 / 5f64.sqrt() * 2.0, "{half}");
        assert!(h.between_passes_sd.unwrap() > 0.01);
        // The se read back from a pass's interval is half its log width over 1.96.
        assert!((pass(1.0, 0.0196).se() - 0.0196 / 1.959964).abs() < 1e-6);
    }
}
