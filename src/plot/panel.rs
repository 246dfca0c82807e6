use super::{axis, font::FAMILY, Drawn};
use crate::results::{Entry, Results};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// The rows of one workload that have measurements.
pub fn measured<'a>(results: &'a Results, workload: &str) -> Vec<&'a Entry> {
    results
        .results
        .iter()
        .filter(|e| e.workload == workload && e.is_ok() && !e.times.is_empty())
        .collect()
}

/// A chart's title in two lines: what it shows, then what the numbers depend on (kernel,
/// CPUs, binary size and the rounds each row has, as the table's `rounds` column).
pub fn title(results: &Results, workload: &str, what: &str) -> (String, String) {
    let h = &results.host;
    let rounds: Vec<u32> = measured(results, workload)
        .iter()
        .map(|e| e.analysis.shared_rounds.unwrap_or(e.runs))
        .collect();
    let rounds = match (rounds.iter().min(), rounds.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} rounds"),
        (Some(a), Some(b)) => format!("{a}–{b} rounds"),
        _ => "no rounds".into(),
    };
    (
        format!("{workload}: {what}"),
        format!(
            "kernel {} · {} CPUs · exe {:.1} MiB · {rounds}",
            h.kernel,
            h.cpus,
            h.exe_size_bytes as f64 / f64::from(1 << 20)
        ),
    )
}

/// Height of [`header`]'s two lines.
pub const HEADER_H: u32 = 52;

/// Draw a two-line header at the top of `area`, each line centred and shrunk until it
/// fits the width, and return the area under it.
pub fn header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    main: &str,
    sub: &str,
) -> Result<DrawingArea<DB, Shift>, super::DrawError> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| super::DrawError::from(e.to_string());
    let w = f64::from(area.dim_in_pixel().0);
    let centre = (w / 2.0) as i32;
    let top = TextStyle::from((FAMILY, axis::fit(main, w - 24.0, 20.0, 10.0)).into_font())
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(main.to_string(), (centre, 6), top))
        .map_err(e)?;
    let second = TextStyle::from((FAMILY, axis::fit(sub, w - 24.0, 15.0, 9.0)).into_font())
        .color(&RGBColor(0x44, 0x44, 0x44))
        .pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(sub.to_string(), (centre, 31), second))
        .map_err(e)?;
    Ok(area.split_vertically(HEADER_H).1)
}

/// The font size for labels written one per slot `slot` pixels wide: 15, or less for a
/// long name, but not under 10.
pub fn label_size(names: &[String], slot: f64) -> f64 {
    names
        .iter()
        .map(|n| axis::fit(n, slot - 6.0, 15.0, 10.0))
        .fold(15.0, f64::min)
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
