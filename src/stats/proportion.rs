//! How sure a rate counted over trials is. Simulated coverages and error rates, and the
//! gate's calibration, are counts; quoting them with the exact Clopper–Pearson interval
//! keeps a count from claiming more than its trials allow (0 false alarms in 20 gates
//! bounds the rate at 13.9%, not at 0%).

use statrs::distribution::{Beta, ContinuousCDF};
use std::fmt;

/// `hits` of `trials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub hits: u64,
    pub trials: u64,
}

impl Rate {
    pub fn new(hits: u64, trials: u64) -> Rate {
        assert!(hits <= trials, "{hits} hits in {trials} trials");
        Rate { hits, trials }
    }

    pub fn value(&self) -> f64 {
        self.hits as f64 / self.trials.max(1) as f64
    }

    /// The two-sided Clopper–Pearson interval at `level` (0.95 for 95%).
    pub fn interval(&self, level: f64) -> [f64; 2] {
        let tail = (1.0 - level) / 2.0;
        [self.lower(1.0 - tail), self.upper(1.0 - tail)]
    }

    /// The one-sided upper bound at `level`: the largest rate this count does not rule out.
    pub fn upper(&self, level: f64) -> f64 {
        let (k, n) = (self.hits as f64, self.trials as f64);
        if self.hits >= self.trials {
            return 1.0;
        }
        beta(k + 1.0, n - k).inverse_cdf(level)
    }

    /// The one-sided lower bound at `level`.
    pub fn lower(&self, level: f64) -> f64 {
        let (k, n) = (self.hits as f64, self.trials as f64);
        if self.hits == 0 {
            return 0.0;
        }
        beta(k, n - k + 1.0).inverse_cdf(1.0 - level)
    }
}

fn beta(a: f64, b: f64) -> Beta {
    Beta::new(a, b).expect("positive shape parameters")
}

/// `12 of 400 (3.0%, 95% CI 1.6–5.2%)`.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [lo, hi] = self.interval(0.95);
        write!(
            f,
            "{} of {} ({:.1}%, 95% CI {:.1}–{:.1}%)",
            self.hits,
            self.trials,
            100.0 * self.value(),
            100.0 * lo,
            100.0 * hi
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_of_known_counts() {
        // 0 of n: the one-sided bound is 1 − (1 − level)^(1/n).
        let none = Rate::new(0, 20);
        assert!((none.upper(0.95) - (1.0 - 0.05f64.powf(1.0 / 20.0))).abs() < 1e-9);
        assert!((none.upper(0.95) - 0.1391).abs() < 1e-4);
        assert!(
            Rate::new(0, 59).upper(0.95) < 0.05,
            "59 clean gates bound it below 5%"
        );
        assert!(Rate::new(0, 58).upper(0.95) > 0.05);
        // 5 of 20, two-sided 95%: 0.0866–0.4910 (the usual tables).
        let [lo, hi] = Rate::new(5, 20).interval(0.95);
        assert!(
            (lo - 0.0866).abs() < 1e-4 && (hi - 0.4910).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(Rate::new(20, 20).interval(0.95)[1], 1.0);
        assert_eq!(
            Rate::new(0, 20).to_string(),
            "0 of 20 (0.0%, 95% CI 0.0–16.8%)"
        );
    }
}
