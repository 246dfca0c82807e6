use super::duration;
use crate::results::{Entry, Results};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

/// The terminal table of a run: one row per (workload, strategy).
pub fn results_table(results: &Results, reference: &str) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["workload", "strategy", "status", "median", "mean ± σ", "min", "max", "runs", "ratio"]);
    for e in &results.results {
        let mut row = vec![Cell::new(&e.workload), Cell::new(&e.strategy)];
        if e.is_ok() {
            let (Some(median), Some(mean), Some(sd), Some(min), Some(max)) = (e.median, e.mean, e.stddev, e.min, e.max)
            else {
                continue;
            };
            let ratio = reference_median(results, e, reference)
                .map(|r| format!("{:.2}", median / r))
                .unwrap_or_else(|| "-".into());
            row.extend([
                Cell::new("ok"),
                Cell::new(duration(median)).set_alignment(CellAlignment::Right),
                Cell::new(format!("{} ± {}", duration(mean), duration(sd))).set_alignment(CellAlignment::Right),
                Cell::new(duration(min)).set_alignment(CellAlignment::Right),
                Cell::new(duration(max)).set_alignment(CellAlignment::Right),
                Cell::new(e.runs).set_alignment(CellAlignment::Right),
                Cell::new(ratio).set_alignment(CellAlignment::Right),
            ]);
        } else {
            row.push(Cell::new(status_word(e)));
        }
        table.add_row(row);
    }
    table
}

fn reference_median(results: &Results, e: &Entry, reference: &str) -> Option<f64> {
    results
        .results
        .iter()
        .find(|r| r.workload == e.workload && r.strategy == reference && r.is_ok())
        .and_then(|r| r.median)
}

fn status_word(e: &Entry) -> String {
    serde_json::to_value(e.status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// The table, then one line per row that did not run saying why: reasons are too long for
/// a table cell.
pub fn print_results(results: &Results, reference: &str) {
    println!("{}", results_table(results, reference));
    for e in results.results.iter().filter(|e| !e.is_ok()) {
        println!("{}/{}: {}: {}", e.workload, e.strategy, status_word(e), e.reason.as_deref().unwrap_or("no reason given"));
    }
}
