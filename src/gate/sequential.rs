//! The gate as a group-sequential test: passes are added and the change is judged after
//! each, but the bar of each look comes from an error-spending design over all of them,
//! so that a wrong "regressed" at a true change equal to the margin stays at or below α
//! however many looks were made (and, by symmetry, so does a wrong "pass").
//!
//! At each look the change in mean log ratio is standardised against the margin,
//! T = (Δ̂ − ln(1 + margin)) / se, and held against the look's critical value: above it,
//! regressed; below its negative, pass; otherwise continue, or inconclusive at the last
//! look. A row's first decision is final: later passes do not revisit it.
//!
//! The A/B gate's T is a one-sample t statistic whose law does not depend on the passes'
//! spread, so its critical values are exact (`t_boundaries.rs`). Carrying the normal
//! boundaries over to t by their nominal levels, the usual approximation (the
//! "significance level approach" of Jennison and Turnbull 2000, §3.8), let 5.9% of A/B
//! gates at the margin end "regressed".
//!
//! The stored-baseline gate's T mixes the passes' estimated spread with the known
//! between-run variance, so its law depends on their ratio, which only the data estimate.
//! It takes the approximation: the normal boundary of `boundaries.rs` carried over to t at
//! the look's Satterthwaite degrees of freedom. The known part dominates its variance and
//! its information times are conservative, and the simulations show the rate held over
//! the spreads measured; the A/B gate's exact values would hold it too, but are far
//! stricter than this near-normal statistic needs (they cut its power at three times the
//! margin from 95% to 82%).

use super::between_runs::BetweenRuns;
use super::boundaries::{nominal_levels, upper_boundaries};
use super::spending::Spending;
use super::t_boundaries::t_boundaries;
use crate::stats::{mean_sd, t_quantile};
use serde::Serialize;

/// What one look decides for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The change is above the margin, beyond this look's critical value.
    Regressed,
    /// The change is below the margin, beyond this look's critical value.
    Pass,
    /// Neither yet: make another pass.
    Continue,
    /// Neither at the last look.
    Inconclusive,
}

impl Decision {
    /// Whether this decision ends the row's sequence: every decision but `Continue`. The
    /// first final decision stands; a row is not looked at again.
    pub fn is_final(self) -> bool {
        self != Decision::Continue
    }
}

/// Looks after given numbers of passes, and the bar each look sets.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    pub alpha: f64,
    pub spending: Spending,
    /// Passes of the run being judged at each look, increasing.
    pub schedule: Vec<usize>,
    /// Each look's critical value for the A/B gate's t statistic.
    ab_critical: Vec<f64>,
    /// Each look's one-sided nominal level, for the stored-baseline gate.
    levels: Vec<f64>,
}

/// The default: Pocock-type spending. At the default margins it decides honest builds
/// and large regressions in fewer passes than O'Brien–Fleming's, at the same error rate
/// (see the simulations in `simulation.rs`).
pub const DEFAULT_SPENDING: Spending = Spending::Pocock;

impl Design {
    /// Looks after `first` passes and after each further one up to `max`, spending the
    /// one-sided `alpha` (already split over the rows gated, if several are).
    pub fn new(first: usize, max: usize, alpha: f64, spending: Spending) -> Design {
        let first = first.max(2);
        Design::with_schedule((first..=max.max(first)).collect(), alpha, spending)
    }

    /// Looks after the passes in `schedule`. Information time is the fraction of the last
    /// look's passes: exact for the A/B gate; for a stored baseline, whose own passes and
    /// between-run variance do not grow, the true fractions are larger early, the looks
    /// more alike than assumed, and the design errs on the safe side.
    pub fn with_schedule(schedule: Vec<usize>, alpha: f64, spending: Spending) -> Design {
        assert!(
            schedule.first().is_some_and(|n| *n >= 2) && schedule.windows(2).all(|w| w[0] < w[1]),
            "a schedule of increasing pass counts, from 2 on: {schedule:?}"
        );
        let last = *schedule.last().expect("a look") as f64;
        let times: Vec<f64> = schedule.iter().map(|&n| n as f64 / last).collect();
        let levels = nominal_levels(&upper_boundaries(alpha, spending, &times));
        let ab_critical = t_boundaries(alpha, spending, &schedule);
        Design {
            alpha,
            spending,
            schedule,
            ab_critical,
            levels,
        }
    }

    pub fn looks(&self) -> usize {
        self.schedule.len()
    }

    /// The passes after which look `look` is due.
    pub fn passes_at(&self, look: usize) -> usize {
        self.schedule[self.last_at_most(look)]
    }

    /// Each look's critical value for the A/B gate's t statistic.
    pub fn ab_critical(&self) -> &[f64] {
        &self.ab_critical
    }

    /// Each look's one-sided nominal level, for the stored-baseline gate.
    pub fn levels(&self) -> &[f64] {
        &self.levels
    }

    fn last_at_most(&self, look: usize) -> usize {
        look.min(self.looks() - 1)
    }

    /// Look `look`'s critical value for a t statistic with `df` degrees of freedom,
    /// through its normal boundary's nominal level.
    fn critical_at_level(&self, look: usize, df: f64) -> f64 {
        let level = self.levels[self.last_at_most(look)];
        if level > 0.0 {
            t_quantile(1.0 - level, df.min(1e6))
        } else {
            f64::INFINITY
        }
    }
}

/// One look at one row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Look {
    pub decision: Decision,
    /// The change in mean log ratio (current over baseline).
    pub change: f64,
    /// Its repeated confidence interval at this look's level: regressed exactly when the
    /// low end is above ln(1 + margin), pass when the high end is below it.
    pub interval: [f64; 2],
    /// Standard error of the change and the degrees of freedom of its t statistic.
    pub se: f64,
    pub df: f64,
    /// (change − ln(1 + margin)) / se, and the critical value it was held against.
    pub statistic: f64,
    pub critical: f64,
}

/// A change, its standard error and degrees of freedom.
struct Estimate {
    change: f64,
    se: f64,
    df: f64,
}

impl Look {
    fn judge(design: &Design, look: usize, e: Estimate, critical: f64, margin: f64) -> Look {
        let statistic = (e.change - margin.ln_1p()) / e.se;
        let decision = if statistic > critical {
            Decision::Regressed
        } else if statistic < -critical {
            Decision::Pass
        } else if design.last_at_most(look) + 1 == design.looks() {
            Decision::Inconclusive
        } else {
            Decision::Continue
        };
        Look {
            decision,
            change: e.change,
            interval: [e.change - critical * e.se, e.change + critical * e.se],
            se: e.se,
            df: e.df,
            statistic,
            critical,
        }
    }
}

/// The A/B gate at look `look`: `logs` are the per-pass log ratios of the candidate to
/// the reference build, measured in the same rounds. One-sample t over passes. `None`
/// for fewer than two passes.
pub fn look_ab(design: &Design, look: usize, logs: &[f64], margin: f64) -> Option<Look> {
    if logs.len() < 2 {
        return None;
    }
    let (change, sd) = mean_sd(logs);
    let e = Estimate {
        change,
        se: sd / (logs.len() as f64).sqrt(),
        df: (logs.len() - 1) as f64,
    };
    let critical = design.ab_critical[design.last_at_most(look)];
    Some(Look::judge(design, look, e, critical, margin))
}

/// The stored-baseline gate at look `look`: per-pass log ratios to the reference of the
/// baseline and of the current run, and the between-run variance both carry. Welch's
/// standard error plus the between-run variance, taken as known (so it adds no degrees of
/// freedom to Satterthwaite's). `None` without two passes on each side.
pub fn look_against_baseline(
    design: &Design,
    look: usize,
    baseline: &[f64],
    current: &[f64],
    margin: f64,
    between: BetweenRuns,
) -> Option<Look> {
    if baseline.len() < 2 || current.len() < 2 {
        return None;
    }
    let ((mb, sb), (mc, sc)) = (mean_sd(baseline), mean_sd(current));
    let (nb, nc) = (baseline.len() as f64, current.len() as f64);
    let (vb, vc, vr) = (sb * sb / nb, sc * sc / nc, between.variance());
    let var = vb + vc + vr;
    let estimated = vb * vb / (nb - 1.0) + vc * vc / (nc - 1.0);
    let df = if estimated > 0.0 {
        var * var / estimated
    } else {
        nb + nc - 2.0
    };
    let e = Estimate {
        change: mc - mb,
        se: var.sqrt(),
        df,
    };
    let critical = design.critical_at_level(look, df);
    Some(Look::judge(design, look, e, critical, margin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::t_quantile;

    #[test]
    fn a_design_sets_every_look_a_higher_bar_than_a_single_test() {
        let d = Design::new(3, 10, 0.05, Spending::Pocock);
        assert_eq!(d.looks(), 8);
        assert_eq!(d.passes_at(0), 3);
        assert_eq!(d.passes_at(7), 10);
        for (l, c) in d.ab_critical().iter().enumerate() {
            let single = t_quantile(0.95, (d.passes_at(l) - 1) as f64);
            assert!(*c > single, "look {l}: {c} against {single}");
        }
        // The stored gate's levels: Pocock-type, near 1.4–2.1% a look, never the whole 5%.
        for l in d.levels() {
            assert!((0.012..0.022).contains(l), "{:?}", d.levels());
        }
        let one = Design::new(10, 10, 0.05, Spending::Pocock);
        // One look is the t test, at the 4.85% the simulated designs aim for.
        let single = one.ab_critical()[0];
        assert!(
            single > t_quantile(0.95, 9.0) && single < t_quantile(0.955, 9.0),
            "{single}"
        );
        assert!((one.levels()[0] - 0.05).abs() < 1e-9);
    }

    #[test]
    fn decides_by_the_repeated_interval_against_the_margin() {
        let d = Design::new(3, 10, 0.05, Spending::Pocock);
        let far_above = [0.10, 0.11, 0.12, 0.105, 0.115];
        let l = look_ab(&d, 2, &far_above, 0.03).unwrap();
        assert_eq!(l.decision, Decision::Regressed);
        assert!(l.interval[0] > 0.03f64.ln_1p());
        let near_zero = [0.001, -0.002, 0.0, 0.002, -0.001];
        assert_eq!(
            look_ab(&d, 2, &near_zero, 0.03).unwrap().decision,
            Decision::Pass
        );
        let at_margin = [0.02, 0.04, 0.03, 0.025, 0.035];
        assert_eq!(
            look_ab(&d, 2, &at_margin, 0.03).unwrap().decision,
            Decision::Continue
        );
        assert_eq!(
            look_ab(&d, 7, &at_margin, 0.03).unwrap().decision,
            Decision::Inconclusive
        );
        assert!(look_ab(&d, 0, &[0.1], 0.03).is_none());
        assert!(Decision::Inconclusive.is_final() && !Decision::Continue.is_final());
    }

    #[test]
    fn between_run_variance_widens_a_stored_baseline_gate() {
        let d = Design::new(3, 10, 0.05, Spending::Pocock);
        let base = [0.100, 0.110, 0.105, 0.095, 0.102];
        let cur = [0.150, 0.148, 0.152, 0.151, 0.149];
        let no_prior = BetweenRuns {
            sd: 0.0,
            baseline_runs: 1,
        };
        let none = look_against_baseline(&d, 2, &base, &cur, 0.03, no_prior).unwrap();
        let prior = BetweenRuns {
            sd: 0.01,
            baseline_runs: 1,
        };
        let with = look_against_baseline(&d, 2, &base, &cur, 0.03, prior).unwrap();
        assert!(with.se > none.se);
        assert!(with.df > none.df, "the known part adds no estimation noise");
        assert_eq!(none.decision, Decision::Regressed);
        assert_eq!(with.decision, Decision::Continue);
    }
}
