use super::Drawn;
use crate::results::{Entry, Results};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Workloads in the order they first appear.
pub fn workloads(results: &Results) -> Vec<String> {
    results
        .results
        .iter()
        .map(|e| e.workload.clone())
        .collect::<indexmap::IndexSet<_>>()
        .into_iter()
        .collect()
}

/// The rows that have what a chart draws, bottom first: a segmented y axis counts from
/// the bottom, so the chart reads top to bottom in results order.
pub fn bottom_up<'a>(rows: &[&'a Entry], has: impl Fn(&Entry) -> bool) -> Vec<&'a Entry> {
    rows.iter().rev().filter(|r| has(r)).copied().collect()
}

/// The rows of one workload that have measurements.
pub fn measured<'a>(results: &'a Results, workload: &str) -> Vec<&'a Entry> {
    results
        .results
        .iter()
        .filter(|e| e.workload == workload && e.is_ok() && !e.times.is_empty())
        .collect()
}

/// A chart title that carries what the numbers depend on.
pub fn title(results: &Results, workload: &str, what: &str) -> String {
    let h = &results.host;
    let runs: Vec<u32> = measured(results, workload).iter().map(|e| e.runs).collect();
    let runs = match (runs.iter().min(), runs.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} runs"),
        (Some(a), Some(b)) => format!("{a}–{b} runs"),
        _ => "no runs".into(),
    };
    format!(
        "{workload}: {what} · kernel {} · {} CPUs · exe {:.1} MiB · {runs}",
        h.kernel,
        h.cpus,
        h.exe_size_bytes as f64 / f64::from(1 << 20)
    )
}

/// One panel per workload, stacked: `draw` gets each panel's area, its workload, its
/// measured rows and their strategy names.
pub fn each_workload<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    results: &Results,
    mut draw: impl FnMut(&DrawingArea<DB, Shift>, &str, &[&Entry], &[String]) -> Drawn,
) -> Drawn {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let workloads = workloads(results);
    for (area, w) in root
        .split_evenly((workloads.len().max(1), 1))
        .iter()
        .zip(&workloads)
    {
        let rows = measured(results, w);
        if rows.is_empty() {
            continue;
        }
        let names: Vec<String> = rows.iter().map(|r| r.strategy.clone()).collect();
        draw(area, w, &rows, &names)?;
    }
    Ok(())
}

/// The x-axis label of a strategy axis: the strategy's name under the middle of its slot.
pub fn strategy_label(names: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}
