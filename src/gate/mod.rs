//! `sealbench gate`: fail CI on a significant slowdown of a strategy relative to the
//! reference, which makes a baseline from one machine usable on another of its kind.

use crate::results::{Entry, Results};
use serde::Serialize;

/// The gate's verdict on one (workload, strategy).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    pub workload: String,
    pub strategy: String,
    pub baseline_ratio: Option<f64>,
    pub current_ratio: Option<f64>,
    pub current_ci95: Option<[f64; 2]>,
    pub baseline_median: Option<f64>,
    pub current_median: Option<f64>,
    pub outcome: Outcome,
    /// Why, in a few words: what was exceeded, or what was missing.
    pub cause: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Regressed,
    /// Present in only one of the two runs, or not measured in one: reported, not failed.
    Skipped,
}

fn ok_row<'a>(r: &'a Results, e: &Entry) -> Option<&'a Entry> {
    r.results
        .iter()
        .find(|x| x.workload == e.workload && x.strategy == e.strategy && x.is_ok())
}

/// Compare `current` with `baseline`, both analyzed against the same reference. A
/// strategy regresses only when its ratio rose by more than `threshold` (0.10 = 10%) AND
/// the rise is significant: the current ratio's whole 95% CI lies above
/// baseline ratio × (1 + threshold).
pub fn judge(
    baseline: &Results,
    current: &Results,
    reference: &str,
    threshold: f64,
) -> Vec<Verdict> {
    let mut out = Vec::new();
    for b in baseline
        .results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != reference)
    {
        let c = ok_row(current, b);
        let mut v = Verdict {
            workload: b.workload.clone(),
            strategy: b.strategy.clone(),
            baseline_ratio: b.ratio.as_ref().map(|r| r.value),
            current_ratio: c.and_then(|c| c.ratio.as_ref()).map(|r| r.value),
            current_ci95: c.and_then(|c| c.ratio.as_ref()).map(|r| r.ci95),
            baseline_median: b.median,
            current_median: c.and_then(|c| c.median),
            outcome: Outcome::Skipped,
            cause: String::new(),
        };
        match (v.baseline_ratio, v.current_ratio, v.current_ci95) {
            (Some(base), Some(cur), Some([lo, _])) => {
                let limit = base * (1.0 + threshold);
                let change = cur / base - 1.0;
                (v.outcome, v.cause) = if cur > limit && lo > limit {
                    (
                        Outcome::Regressed,
                        format!(
                            "ratio {cur:.3} is {:+.1}% over the baseline's {base:.3}, and its whole 95% CI ({lo:.3}..) is above the {:.0}% limit {limit:.3}",
                            change * 100.0,
                            threshold * 100.0
                        ),
                    )
                } else if cur > limit {
                    (
                        Outcome::Pass,
                        format!(
                            "{:+.1}%, but not significant (CI low end {lo:.3} ≤ {limit:.3})",
                            change * 100.0
                        ),
                    )
                } else {
                    (Outcome::Pass, format!("{:+.1}%", change * 100.0))
                };
            }
            _ => match current
                .results
                .iter()
                .find(|x| x.workload == b.workload && x.strategy == b.strategy)
            {
                // It ran in the baseline and fails now: the worst regression there is.
                Some(x) if x.status == crate::results::Status::Failed => {
                    v.outcome = Outcome::Regressed;
                    v.cause = format!(
                        "ok in the baseline, failed now: {}",
                        x.reason.as_deref().unwrap_or("no reason given")
                    );
                }
                Some(x) if !x.is_ok() => {
                    v.cause = format!(
                        "not measured now: {}",
                        x.reason.as_deref().unwrap_or("no reason")
                    )
                }
                None => v.cause = "not in the current run".into(),
                Some(_) => v.cause = format!("no ratio to {reference} in one of the runs"),
            },
        }
        out.push(v);
    }
    for c in current
        .results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != reference)
    {
        if !baseline
            .results
            .iter()
            .any(|b| b.workload == c.workload && b.strategy == c.strategy && b.is_ok())
        {
            out.push(Verdict {
                workload: c.workload.clone(),
                strategy: c.strategy.clone(),
                baseline_ratio: None,
                current_ratio: c.ratio.as_ref().map(|r| r.value),
                current_ci95: c.ratio.as_ref().map(|r| r.ci95),
                baseline_median: None,
                current_median: c.median,
                outcome: Outcome::Skipped,
                cause: "not in the baseline".into(),
            });
        }
    }
    out
}
