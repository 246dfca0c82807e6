use super::shown;
use super::table::ratio_text;
use crate::results::Results;
use crate::stats::{Verdict, EQUIVALENCE};
use indexmap::IndexSet;
use std::fmt::Write;

/// hyperfine's closing summary, per workload, against the reference, with the interval in
/// place of hyperfine's ±: `noclone ran\n  4.350 (4.310–4.380) times faster than memfd`.
pub fn summary(results: &Results, reference: &str) -> String {
    let mut out = String::new();
    let workloads: IndexSet<&str> = results
        .results
        .iter()
        .map(|e| e.workload.as_str())
        .collect();
    for w in workloads {
        let others: Vec<_> = results
            .results
            .iter()
            .filter(|e| e.workload == w && e.strategy != reference && e.is_ok())
            .filter_map(|e| e.analysis.ratio.as_ref().map(|r| (e, r)))
            .collect();
        if others.is_empty() {
            continue;
        }
        let _ = writeln!(out, "Summary ({})\n  {} ran", shown(w), shown(reference));
        for (e, r) in others {
            let line = if r.value >= 1.0 {
                format!("{} times faster than {}", ratio_text(r), shown(&e.strategy))
            } else {
                let inv = crate::results::Ratio {
                    value: 1.0 / r.value,
                    ci95: [1.0 / r.ci95[1], 1.0 / r.ci95[0]],
                    ..r.clone()
                };
                format!(
                    "{} times slower than {}",
                    ratio_text(&inv),
                    shown(&e.strategy)
                )
            };
            let mark = match r.verdict {
                Some(v @ (Verdict::Same | Verdict::NoDifference | Verdict::Small)) => {
                    format!("  ({}: {})", v.mark(), v.meaning(EQUIVALENCE))
                }
                _ => String::new(),
            };
            let _ = writeln!(out, "    {line}{mark}");
        }
    }
    out
}

/// One consolidated warning for the whole run, as criterion classifies outliers: rows with
/// severe outliers (beyond 3 IQR), and how many. Medians and their CIs are robust to them.
pub fn warnings(results: &Results) -> Vec<String> {
    let mut out: Vec<String> = results
        .results
        .iter()
        .filter(|e| e.seal_disagrees())
        .map(|e| {
            format!(
                "{}/{} was seen to seal with {}, but its version says {}: the row reports what it did",
                e.workload,
                e.strategy,
                e.seal_observed.map_or("?", |s| s.as_str()),
                e.seal_expected.map_or("?", |s| s.as_str()),
            )
        })
        .collect();
    out.extend(outlier_warning(results));
    out
}

fn outlier_warning(results: &Results) -> Vec<String> {
    let rows: Vec<String> = results
        .results
        .iter()
        .filter(|e| e.is_ok())
        .filter_map(|e| {
            let o = e.analysis.tukey_outliers?;
            (o.severe() > 0)
                .then(|| format!("{}/{} {} of {}", e.workload, e.strategy, o.severe(), e.runs))
        })
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "severe outliers (beyond 3 IQR) in {} of {} rows: {}. Medians and their CIs are robust to \
         them; a quieter machine would give narrower intervals.",
        rows.len(),
        results.results.iter().filter(|e| e.is_ok()).count(),
        rows.join(", ")
    )]
}
