use crate::results::Results;
use std::fmt::Write;

/// hyperfine's threshold for its outlier warning.
pub const WARN_Z: f64 = 14.0;

/// hyperfine's closing summary, per workload, against the reference:
/// `noclone ran\n  3.89 ± 0.05 times faster than memfd`. The ± is the half-width of the
/// ratio's 95% CI; a difference Mann–Whitney cannot tell from noise is marked so.
pub fn summary(results: &Results, reference: &str) -> String {
    let mut out = String::new();
    let mut workloads: Vec<&str> = results
        .results
        .iter()
        .map(|e| e.workload.as_str())
        .collect();
    workloads.dedup();
    for w in workloads {
        let others: Vec<_> = results
            .results
            .iter()
            .filter(|e| e.workload == w && e.strategy != reference && e.is_ok())
            .filter_map(|e| e.ratio.as_ref().map(|r| (e, r)))
            .collect();
        if others.is_empty() {
            continue;
        }
        let _ = writeln!(out, "Summary ({w})\n  {reference} ran");
        for (e, r) in others {
            let half = (r.ci95[1] - r.ci95[0]) / 2.0;
            let (factor, relation) = if r.value >= 1.0 {
                (r.value, "faster")
            } else {
                (1.0 / r.value, "slower")
            };
            let half = if r.value >= 1.0 {
                half
            } else {
                half / (r.value * r.value)
            };
            let noise = match r.p_value {
                Some(p) if p >= 0.05 => format!("  (p = {p:.2}: not distinguishable from noise)"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "    {factor:.2} ± {half:.2} times {relation} than {}{noise}",
                e.strategy
            );
        }
    }
    out
}

/// hyperfine's outlier warning, with hyperfine's rule: a row gets one when any run's
/// modified z-score exceeds 14. (The table's outlier count uses the textbook 3.5, which a
/// right-skewed timing distribution always crosses a few times.)
pub fn warnings(results: &Results) -> Vec<String> {
    results
        .results
        .iter()
        .filter(|e| e.is_ok())
        .filter_map(|e| {
            let worst = crate::stats::modified_z(&e.times).into_iter().fold(0.0, |m: f64, z| m.max(z.abs()));
            (worst > WARN_Z).then(|| {
                format!(
                    "Warning: {}/{}: statistical outliers were detected ({} of {} runs beyond a modified z-score of {}, \
                     the worst at {worst:.0}). Consider re-running on a quiet system without interference from other programs.",
                    e.workload,
                    e.strategy,
                    e.outliers.unwrap_or(0),
                    e.runs,
                    crate::stats::OUTLIER_Z
                )
            })
        })
        .collect()
}
