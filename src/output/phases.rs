//! `--phases`: where each row's time goes, and what the instrumentation itself costs.

use super::duration;
use crate::results::Phases;
use crate::results::Results;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// One row per (workload, strategy) with phases: each phase's median, and their sum as a
/// share of the row's median start.
pub fn table(results: &Results) -> Option<Table> {
    let rows: Vec<_> = results
        .results
        .iter()
        .filter(|e| e.analysis.phases.is_some())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(
        ["workload", "strategy"]
            .into_iter()
            .chain(Phases::NAMES)
            .chain(["sum / median"]),
    );
    for e in rows {
        let p = e.analysis.phases.expect("filtered");
        let mut cells = vec![Cell::new(&e.workload), Cell::new(&e.strategy)];
        cells.extend(p.as_array().iter().map(|s| right(duration(*s))));
        cells.push(right(
            e.analysis
                .median
                .map(|m| format!("{:.1}%", 100.0 * p.sum() / m))
                .unwrap_or_default(),
        ));
        t.add_row(cells);
    }
    Some(t)
}

/// The cost of timing the phases, per workload: the reference with phases over the same
/// reference without them, run in the same rounds (the row that is its `control_of`).
pub fn overhead_notes(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for e in &results.results {
        let Some(reference) = e.control_of.as_deref() else {
            continue;
        };
        let (Some(r), true) = (&e.analysis.ratio, e.is_ok()) else {
            continue;
        };
        if r.reference != reference {
            continue;
        }
        // The row's ratio is unphased over phased; the cost is its inverse, less one.
        let pct = |x: f64| 100.0 * (1.0 / x - 1.0);
        out.push(format!(
            "{}: {reference} with phases over {} without, in the same rounds: {:+.2}% (95% CI {:+.2}% \
             to {:+.2}%); this also holds the difference between two separately prepared units \
             of one strategy, their own binaries and page cache",
            e.workload,
            e.strategy,
            pct(r.value),
            pct(r.ci95[1]),
            pct(r.ci95[0]),
        ));
    }
    out
}
