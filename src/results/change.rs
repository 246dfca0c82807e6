//! A run against an earlier one (`report NEW --baseline OLD`), as criterion reports a
//! change: for every row both ran, the new ratio over the old, with an interval from the
//! two headline intervals, and what it says.

use super::{Analyzed, Entry};
use crate::stats::Verdict;
use serde::{Deserialize, Serialize};

/// The 97.5% quantile of the standard normal: a headline interval is ±this many standard
/// errors of its log ratio.
const Z: f64 = 1.959_963_984_540_054;

/// How one row moved between the two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub workload: String,
    pub row: String,
    /// The ratio to the reference, then and now.
    pub before: f64,
    pub after: f64,
    /// after / before, and its 95% interval.
    pub change: f64,
    pub ci95: [f64; 2],
    pub verdict: Verdict,
}

fn log_se(ci: [f64; 2]) -> f64 {
    (ci[1].ln() - ci[0].ln()) / (2.0 * Z)
}

fn of(before: &Entry, after: &Entry) -> Option<Change> {
    let (b, a) = (
        before.analysis.ratio.as_ref()?,
        after.analysis.ratio.as_ref()?,
    );
    let log = a.value.ln() - b.value.ln();
    // Two independent runs: their log ratios' errors add in quadrature.
    let se = log_se(a.ci95).hypot(log_se(b.ci95));
    if !(log.is_finite() && se.is_finite()) {
        return None;
    }
    let ci95 = [(log - Z * se).exp(), (log + Z * se).exp()];
    Some(Change {
        workload: after.workload.clone(),
        row: after.strategy.clone(),
        before: b.value,
        after: a.value,
        change: log.exp(),
        ci95,
        verdict: Verdict::of(ci95),
    })
}

/// Every row that is ok in both runs, other than the reference, in the new run's order.
pub fn changes(after: &Analyzed, before: &Analyzed) -> Vec<Change> {
    after
        .results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != after.reference())
        .filter_map(|a| {
            let b = before
                .results
                .iter()
                .find(|b| b.is_ok() && b.workload == a.workload && b.strategy == a.strategy)?;
            of(b, a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Ratio;

    fn row(value: f64, lo: f64, hi: f64) -> Entry {
        let mut e = Entry {
            strategy: "x".into(),
            workload: "w".into(),
            status: crate::results::Status::Ok,
            ..Entry::default()
        };
        e.analysis.ratio = Some(Ratio {
            reference: "r".into(),
            value,
            ci95: [lo, hi],
            scope: crate::stats::Scope::Passes,
            run_ci95: None,
            verdict: None,
            block: 1,
            passes: None,
        });
        e
    }

    #[test]
    fn a_change_combines_both_intervals() {
        let c = of(&row(2.0, 1.96, 2.04), &row(2.2, 2.156, 2.244)).unwrap();
        assert!((c.change - 1.1).abs() < 1e-12);
        // Each side ±2%: together about ±2.8%.
        let half = c.ci95[1] / c.change - 1.0;
        assert!((0.026..0.030).contains(&half), "{half}");
        assert_eq!(c.verdict, Verdict::Slower);
        let same = of(&row(2.0, 1.96, 2.04), &row(2.0, 1.96, 2.04)).unwrap();
        assert_eq!(same.verdict, Verdict::NoDifference);
    }
}
