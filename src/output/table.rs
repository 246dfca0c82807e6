use super::duration;
use crate::results::{Entry, Results};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

/// The terminal table of a run: one row per (workload, strategy).
pub fn results_table(results: &Results, reference: &str) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "workload",
        "strategy",
        "status",
        "median (95% CI)",
        "mean ± σ",
        "min",
        "max",
        "user",
        "system",
        "runs",
        "ratio (95% CI)",
        "outliers",
    ]);
    for e in &results.results {
        let name = match &e.used {
            Some(used) => format!("{} → {used}", e.strategy),
            None => e.strategy.clone(),
        };
        let mut row = vec![Cell::new(&e.workload), Cell::new(name)];
        if e.is_ok() {
            let (Some(median), Some(mean), Some(sd), Some(min), Some(max)) =
                (e.median, e.mean, e.stddev, e.min, e.max)
            else {
                continue;
            };
            let ratio = match &e.ratio {
                Some(r) if e.strategy == reference => format!("{:.2}", r.value),
                Some(r) => format!("{:.2} ({:.2}–{:.2})", r.value, r.ci95[0], r.ci95[1]),
                None => "-".into(),
            };
            let median = match e.ci95_median {
                Some([lo, hi]) => {
                    format!("{} ({}–{})", duration(median), duration(lo), duration(hi))
                }
                None => duration(median),
            };
            row.extend([
                Cell::new("ok"),
                Cell::new(median).set_alignment(CellAlignment::Right),
                Cell::new(format!("{} ± {}", duration(mean), duration(sd)))
                    .set_alignment(CellAlignment::Right),
                Cell::new(duration(min)).set_alignment(CellAlignment::Right),
                Cell::new(duration(max)).set_alignment(CellAlignment::Right),
                Cell::new(e.user.map(duration).unwrap_or_default())
                    .set_alignment(CellAlignment::Right),
                Cell::new(e.system.map(duration).unwrap_or_default())
                    .set_alignment(CellAlignment::Right),
                Cell::new(e.runs).set_alignment(CellAlignment::Right),
                Cell::new(ratio).set_alignment(CellAlignment::Right),
                Cell::new(e.outliers.unwrap_or(0)).set_alignment(CellAlignment::Right),
            ]);
        } else {
            row.push(Cell::new(status_word(e)));
        }
        table.add_row(row);
    }
    table
}

fn status_word(e: &Entry) -> String {
    serde_json::to_value(e.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The table, then one line per row that did not run saying why: reasons are too long for
/// a table cell.
pub fn print_results(results: &Results, reference: &str) {
    println!("{}", results_table(results, reference));
    print!("{}", super::summary(results, reference));
    for w in super::warnings(results) {
        eprintln!("{w}");
    }
    for e in results.results.iter().filter(|e| !e.is_ok()) {
        println!(
            "{}/{}: {}: {}",
            e.workload,
            e.strategy,
            status_word(e),
            e.reason.as_deref().unwrap_or("no reason given")
        );
    }
}
