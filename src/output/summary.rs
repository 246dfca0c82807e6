use super::shown;
use super::table::ratio_text;
use crate::results::{Analyzed, Entry, Kind, Results};
use indexmap::IndexSet;
use std::fmt::Write;

/// hyperfine's closing summary, per workload, fastest first: every row's ratio to the
/// reference with its interval, so that the fastest is read first and each line says how
/// much slower the next is, as hyperfine's `X ran N times faster than Y` does. Where a
/// workload has runtime peers and the reference is not one of them, the peers are
/// summarised again against the first runtime: a runc maintainer compares runtimes with
/// runtimes, not with sealbench's own start.
pub fn summary(results: &Analyzed, reference: &str) -> String {
    let mut out = block(results, reference, |_| true);
    let runtime = results
        .results
        .iter()
        .find(|e| e.kind == Kind::Runtime && e.is_ok())
        .map(|e| e.strategy.clone());
    if let Some(rt) = runtime.filter(|rt| rt != reference) {
        let again = crate::results::analyze(Results::clone(results), &rt);
        out.push_str(&block(&again, &rt, |e| e.kind == Kind::Runtime));
    }
    out
}

fn block(results: &Analyzed, reference: &str, keep: impl Fn(&Entry) -> bool) -> String {
    let mut out = String::new();
    let workloads: IndexSet<&str> = results
        .results
        .iter()
        .map(|e| e.workload.as_str())
        .collect();
    for w in workloads {
        let mut rows: Vec<(&Entry, &crate::results::Ratio)> = results
            .results
            .iter()
            .filter(|e| e.workload == w && e.is_ok() && keep(e))
            .filter_map(|e| e.analysis.ratio.as_ref().map(|r| (e, r)))
            .collect();
        if rows.len() < 2 {
            continue;
        }
        rows.sort_by(|a, b| a.1.value.total_cmp(&b.1.value));
        let scope = rows
            .iter()
            .find(|(e, _)| e.strategy != reference)
            .map(|(_, r)| r.scope_label())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Summary ({w}), times {reference}'s median ({scope}), fastest first:"
        );
        let width = rows
            .iter()
            .map(|(e, _)| e.strategy.chars().count())
            .max()
            .unwrap_or(0);
        for (e, r) in rows {
            let name = shown(&e.strategy);
            if e.strategy == reference {
                let _ = writeln!(out, "  {name:width$}  1  (reference)");
                continue;
            }
            let mark = r
                .verdict
                .map(|v| format!("  {}", v.mark()))
                .unwrap_or_default();
            let _ = writeln!(out, "  {name:width$}  {}{mark}", ratio_text(r));
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

/// Every row's change against the baseline run, when one was given: criterion's
/// "change: … (p = …)" line, with an interval in place of the p-value.
pub fn changes(results: &Analyzed) -> String {
    let mut out = String::new();
    if results.changes().is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "Against the baseline (ratio now over ratio then, 95% interval from both runs' intervals):"
    );
    let width = results
        .changes()
        .iter()
        .map(|c| c.workload.len() + c.row.len() + 1)
        .max()
        .unwrap_or(0);
    for c in results.changes() {
        let name = format!("{}/{}", shown(&c.workload), shown(&c.row));
        let _ = writeln!(
            out,
            "  {name:width$}  {:.3} → {:.3}  change {:+.1}% ({:+.1}%–{:+.1}%)  {}",
            c.before,
            c.after,
            100.0 * (c.change - 1.0),
            100.0 * (c.ci95[0] - 1.0),
            100.0 * (c.ci95[1] - 1.0),
            c.verdict.mark()
        );
    }
    out
}
