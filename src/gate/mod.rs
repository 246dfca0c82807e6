//! `sealbench gate`: decide, for CI, whether a strategy's cost relative to the reference
//! rose past a margin, with three outcomes. Ratios to the reference, not absolute times,
//! are compared, which makes a baseline from one machine usable on another of its kind.
//!
//! Both sides hold several independent passes; the uncertainty of a ratio's change is the
//! spread between passes (Kalibera and Jones), not one run's interval, which says nothing
//! about how much the next run differs.

mod between_runs;
mod boundaries;
mod margins;
mod sequential;
mod settings;
#[cfg(test)]
mod simulation;
mod spending;
mod t_boundaries;

pub use between_runs::{prior_sd, BetweenRuns};
pub use boundaries::{nominal_levels, upper_boundaries};
pub use margins::{MarginSpec, Margins, COPY_MARGIN, DEFAULT_MARGIN};
pub use sequential::{look_ab, look_against_baseline, Decision, Design, Look, DEFAULT_SPENDING};
pub use settings::Settings;
pub use spending::Spending;
pub use t_boundaries::t_boundaries;

use crate::results::{Entry, Results, Status};
use crate::stats::{mean_sd, t_quantile};
use serde::Serialize;
use std::fmt;

/// One-sided error rate of the whole gate over all its looks, split over the rows gated
/// (Bonferroni).
pub const ALPHA: f64 = 0.05;

/// The gate's verdict on one (workload, strategy).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub workload: String,
    pub strategy: String,
    /// Geometric means over passes of the ratio to the reference.
    pub baseline_ratio: Option<f64>,
    pub current_ratio: Option<f64>,
    /// current / baseline − 1, and its interval at the corrected level.
    pub change: Option<f64>,
    pub change_ci: Option<[f64; 2]>,
    pub margin: f64,
    pub passes: [usize; 2],
    pub baseline_median: Option<f64>,
    pub current_median: Option<f64>,
    pub outcome: Outcome,
    /// Why, in a few words.
    pub cause: String,
    /// The look decided this row for good (not "make another pass").
    #[serde(skip)]
    pub final_decision: bool,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The rise is confidently below the margin.
    Pass,
    /// The rise is confidently above the margin (or it ran before and fails now).
    Regressed,
    /// The interval straddles the margin: more passes could decide.
    Inconclusive,
    /// Present in only one of the two runs, or not measured in one: reported, not judged.
    Skipped,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Pass => "pass",
            Outcome::Regressed => "regressed",
            Outcome::Inconclusive => "inconclusive",
            Outcome::Skipped => "skipped",
        })
    }
}

/// The per-pass log ratios of a row (one value for a run of one pass).
pub fn pass_logs(e: &Entry) -> Vec<f64> {
    let Some(r) = &e.analysis.ratio else {
        return Vec::new();
    };
    match &r.passes {
        Some(p) => p.values.iter().map(|v| v.ln()).collect(),
        None => vec![r.value.ln()],
    }
}

/// How many passes a results file holds.
pub fn passes_in(r: &Results) -> usize {
    r.results
        .iter()
        .filter_map(|e| e.passes.iter().max())
        .max()
        .map_or(1, |m| *m as usize + 1)
}

fn ok_row<'a>(r: &'a Results, e: &Entry) -> Option<&'a Entry> {
    r.results
        .iter()
        .find(|x| x.workload == e.workload && x.strategy == e.strategy && x.is_ok())
}

/// The change in mean log ratio with its Welch interval at one-sided level `q` on each
/// side: (Δ, lo, hi). `None` without at least two passes on both sides.
pub fn welch(base: &[f64], cur: &[f64], q: f64) -> Option<(f64, f64, f64)> {
    if base.len() < 2 || cur.len() < 2 {
        return None;
    }
    let (mb, sb) = mean_sd(base);
    let (mc, sc) = mean_sd(cur);
    let (vb, vc) = (sb * sb / base.len() as f64, sc * sc / cur.len() as f64);
    let se = (vb + vc).sqrt();
    let df = if se > 0.0 {
        (vb + vc).powi(2) / (vb * vb / (base.len() - 1) as f64 + vc * vc / (cur.len() - 1) as f64)
    } else {
        (base.len() + cur.len() - 2) as f64
    };
    let t = t_quantile(q, df);
    let d = mc - mb;
    Some((d, d - t * se, d + t * se))
}

/// One look's decision as a verdict's outcome and cause.
fn decided(look: &Look, margin: f64, against: &str) -> (Outcome, String) {
    let pct = |x: f64| format!("{:+.1}%", x.exp_m1() * 100.0);
    let (lo, hi) = (look.interval[0], look.interval[1]);
    match look.decision {
        Decision::Regressed => (
            Outcome::Regressed,
            format!(
                "{} {against}; even the low end {} is over the {:.0}% margin",
                pct(look.change),
                pct(lo),
                margin * 100.0
            ),
        ),
        Decision::Pass => (
            Outcome::Pass,
            format!(
                "{}; even the high end {} is under the margin",
                pct(look.change),
                pct(hi)
            ),
        ),
        Decision::Continue | Decision::Inconclusive => (
            Outcome::Inconclusive,
            format!(
                "{} ({}..{}) straddles the {:.0}% margin",
                pct(look.change),
                pct(lo),
                pct(hi),
                margin * 100.0
            ),
        ),
    }
}

/// How a gate looks: its design (the bar of every look) and which look this is.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub design: &'a Design,
    pub look: usize,
    /// Separate runs the baseline's passes came from.
    pub baseline_runs: u32,
}

fn with_change(v: &mut Verdict, look: &Look) {
    v.change = Some(look.change.exp_m1());
    v.change_ci = Some([look.interval[0].exp_m1(), look.interval[1].exp_m1()]);
    v.final_decision = look.decision.is_final();
}

/// Judge `current` against `baseline`, both analyzed against the same reference, at one
/// look of a group-sequential design.
pub fn judge(
    baseline: &Results,
    current: &Results,
    reference: &str,
    margins: &Margins,
    at: At,
) -> Vec<Verdict> {
    let gated: Vec<&Entry> = baseline
        .results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != reference)
        .collect();
    let mut out = Vec::new();
    for b in gated {
        let c = ok_row(current, b);
        let (bl, cl) = (pass_logs(b), c.map(pass_logs).unwrap_or_default());
        let geo = |l: &[f64]| (!l.is_empty()).then(|| mean_sd(l).0.exp());
        let margin = margins.for_row(b);
        let mut v = Verdict {
            workload: b.workload.clone(),
            strategy: b.strategy.clone(),
            baseline_ratio: geo(&bl),
            current_ratio: geo(&cl),
            change: None,
            change_ci: None,
            margin,
            passes: [bl.len(), cl.len()],
            baseline_median: b.analysis.median,
            current_median: c.and_then(|c| c.analysis.median),
            outcome: Outcome::Skipped,
            cause: String::new(),
            final_decision: true,
        };
        let between = BetweenRuns::prior(b.copies_per_start, at.baseline_runs);
        match look_against_baseline(at.design, at.look, &bl, &cl, margin, between) {
            Some(look) => {
                with_change(&mut v, &look);
                (v.outcome, v.cause) = decided(&look, margin, "rise");
            }
            None if c.is_some() => {
                v.cause =
                    "fewer than two passes on one side: no run-to-run spread to judge by".into()
            }
            None => match current
                .results
                .iter()
                .find(|x| x.workload == b.workload && x.strategy == b.strategy)
            {
                // It ran in the baseline and fails now: the worst regression there is.
                Some(x) if x.status == Status::Failed => {
                    v.outcome = Outcome::Regressed;
                    v.cause = format!(
                        "ok in the baseline, failed now: {}",
                        x.reason.as_deref().unwrap_or("no reason given")
                    );
                }
                Some(x) => {
                    v.cause = format!(
                        "not measured now: {}",
                        x.reason.as_deref().unwrap_or("no reason")
                    )
                }
                None => v.cause = "not in the current run".into(),
            },
        }
        out.push(v);
    }
    for c in current
        .results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != reference)
    {
        if ok_row(baseline, c).is_none() {
            let cl = pass_logs(c);
            out.push(Verdict {
                workload: c.workload.clone(),
                strategy: c.strategy.clone(),
                baseline_ratio: None,
                current_ratio: (!cl.is_empty()).then(|| mean_sd(&cl).0.exp()),
                change: None,
                change_ci: None,
                margin: margins.for_row(c),
                passes: [0, cl.len()],
                baseline_median: None,
                current_median: c.analysis.median,
                outcome: Outcome::Skipped,
                cause: "not in the baseline".into(),
                final_decision: true,
            });
        }
    }
    out
}

/// The A/B gate: every row of `current` against the reference row of the same run (two
/// builds of a runtime, interleaved in the same rounds, so drift cancels within a round),
/// at one look of a group-sequential design: the change is the mean per-pass log ratio,
/// with the look's exact t bar.
pub fn judge_ab(current: &Results, reference: &str, margins: &Margins, at: At) -> Vec<Verdict> {
    let rows: Vec<&Entry> = current
        .results
        .iter()
        .filter(|e| e.strategy != reference && e.analysis.ratio.is_some())
        .collect();
    let mut out = Vec::new();
    for e in &rows {
        let logs = pass_logs(e);
        let margin = margins.for_row(e);
        let base = current
            .results
            .iter()
            .find(|b| b.workload == e.workload && b.strategy == reference);
        let mut v = Verdict {
            workload: e.workload.clone(),
            strategy: e.strategy.clone(),
            baseline_ratio: Some(1.0),
            current_ratio: (!logs.is_empty()).then(|| mean_sd(&logs).0.exp()),
            change: None,
            change_ci: None,
            margin,
            passes: [logs.len(), logs.len()],
            baseline_median: base.and_then(|b| b.analysis.median),
            current_median: e.analysis.median,
            outcome: Outcome::Skipped,
            cause: "fewer than two passes: no run-to-run spread to judge by".into(),
            final_decision: true,
        };
        if let Some(look) = look_ab(at.design, at.look, &logs, margin) {
            with_change(&mut v, &look);
            (v.outcome, v.cause) = decided(&look, margin, &format!("over {reference}"));
        }
        out.push(v);
    }
    out
}

/// The verdicts of a sequence of looks: each row's first final decision stands, and later
/// looks do not revisit it.
#[derive(Default)]
pub struct Sequence {
    verdicts: Vec<Verdict>,
}

impl Sequence {
    /// Take this look's verdicts for the rows not yet decided; whether every row is now.
    pub fn update(&mut self, now: Vec<Verdict>) -> bool {
        for v in now {
            match self
                .verdicts
                .iter_mut()
                .find(|x| x.workload == v.workload && x.strategy == v.strategy)
            {
                Some(x) if x.final_decision => {}
                Some(x) => *x = v,
                None => self.verdicts.push(v),
            }
        }
        self.verdicts.iter().all(|v| v.final_decision)
    }

    pub fn into_verdicts(self) -> Vec<Verdict> {
        self.verdicts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_interval_of_known_samples() {
        let base = [0.0, 0.02, 0.04];
        let cur = [0.10, 0.12, 0.14];
        let (d, lo, hi) = welch(&base, &cur, 0.975).unwrap();
        assert!((d - 0.10).abs() < 1e-12);
        // se = sqrt(2 · 0.0004 / 3) = 0.01633, df = 4, t = 2.776.
        assert!((hi - d - 2.776 * 0.01633).abs() < 1e-3, "{lo} {hi}");
        assert!(welch(&[0.0], &cur, 0.975).is_none());
    }
}
