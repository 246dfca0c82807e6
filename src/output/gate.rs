//! The gate's verdicts for the terminal: one row per gated (workload, row), then what the
//! columns mean.

use super::duration;
use crate::error::{Error, Result};
use crate::gate::{Outcome, Verdict};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// The table of verdicts and the line that says how they were reached.
pub fn report(verdicts: &[Verdict], reference: &str) -> String {
    format!(
        "{}\nGate: ratios to {reference} per pass; change = current over baseline, its interval \
         from the spread between passes (and, against a stored baseline, the measured \
         between-run spread), at the bar of a group-sequential design that holds a wrong \
         \"regressed\" at a change equal to the margin to 5% over every look (Pocock \
         spending, split over the rows). regressed: the low end is over the margin; pass: \
         the high end is under it.\n",
        table(verdicts)
    )
}

fn table(verdicts: &[Verdict]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "workload",
        "row",
        "ratio: baseline → now",
        "change (CI)",
        "margin",
        "passes",
        "medians (info)",
        "verdict",
        "cause",
    ]);
    let num = |x: Option<f64>| x.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into());
    for v in verdicts {
        let change = match (v.change, v.change_ci) {
            (Some(c), Some([lo, hi])) => format!(
                "{:+.1}% ({:+.1}%–{:+.1}%)",
                c * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            _ => "-".into(),
        };
        let medians = match (v.baseline_median, v.current_median) {
            (Some(b), Some(c)) => format!("{} → {}", duration(b), duration(c)),
            _ => "-".into(),
        };
        table.add_row([
            v.workload.clone(),
            v.strategy.clone(),
            format!("{} → {}", num(v.baseline_ratio), num(v.current_ratio)),
            change,
            format!("{:.0}%", v.margin * 100.0),
            format!("{} / {}", v.passes[0], v.passes[1]),
            medians,
            v.outcome.to_string(),
            v.cause.clone(),
        ]);
    }
    table
}

/// Exit 1 naming the regressed rows, 4 naming the inconclusive ones, else 0.
pub fn outcome(verdicts: &[Verdict], compared: usize) -> Result<i32> {
    let names = |o: Outcome| -> Vec<String> {
        verdicts
            .iter()
            .filter(|v| v.outcome == o)
            .map(|v| format!("{}/{}", v.workload, v.strategy))
            .collect()
    };
    let (regressed, unsure) = (names(Outcome::Regressed), names(Outcome::Inconclusive));
    if !regressed.is_empty() {
        Err(Error::failure(format!(
            "regression in {}",
            regressed.join(", ")
        )))
    } else if !unsure.is_empty() {
        Err(Error::Inconclusive(format!(
            "inconclusive: {} (more passes, a quieter machine, or a wider margin would decide)",
            unsure.join(", ")
        )))
    } else {
        super::emit::out(&format!(
            "PASS: {compared} strategies within their margins\n"
        ))?;
        Ok(0)
    }
}
