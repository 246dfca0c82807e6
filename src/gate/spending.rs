//! How a gate spends its error rate over its looks. Looking again after each pass gives
//! a wrong "regressed" another chance every time: at a per-look 5%, eight looks made the
//! whole sequence wrong 10–15% of the time at a change equal to the margin. An
//! error-spending function (Lan and DeMets 1983) fixes how much of the total rate α may
//! have been spent by information time t (the fraction of the largest run's information
//! seen so far), whatever the number and spacing of the looks.

use statrs::distribution::{ContinuousCDF, Normal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spending {
    /// α·ln(1 + (e − 1)·t): spends evenly, so a large change (or none at all) is decided
    /// after few passes; the last look's bar is a little higher than a fixed design's.
    Pocock,
    /// 2 − 2Φ(z_{1−α/2}/√t): keeps nearly all of α for the last look, so early looks
    /// decide only overwhelming changes.
    OBrienFleming,
}

impl Spending {
    /// The error rate spent by information time `t` (clamped to 0..1), of `alpha` in all.
    pub fn spent(self, alpha: f64, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        if t == 0.0 {
            return 0.0;
        }
        match self {
            Spending::Pocock => alpha * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
            Spending::OBrienFleming => {
                let n = Normal::new(0.0, 1.0).expect("standard normal");
                2.0 * n.sf(n.inverse_cdf(1.0 - alpha / 2.0) / t.sqrt())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spend_all_of_alpha_at_the_end_and_nothing_at_the_start() {
        for s in [Spending::Pocock, Spending::OBrienFleming] {
            assert_eq!(s.spent(0.05, 0.0), 0.0);
            assert!((s.spent(0.05, 1.0) - 0.05).abs() < 1e-9, "{s:?}");
            assert!(s.spent(0.05, 0.3) < s.spent(0.05, 0.6));
        }
        // O'Brien–Fleming keeps its rate for the end; Pocock spends early.
        assert!(Spending::OBrienFleming.spent(0.05, 0.3) < 0.001);
        assert!(Spending::Pocock.spent(0.05, 0.3) > 0.02);
    }
}
