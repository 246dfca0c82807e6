use super::{font::FAMILY, panel, Drawn};
use crate::results::Phases;
use crate::results::Results;
use plotters::coord::Shift;
use plotters::prelude::*;

/// "Where the time goes": per workload, one horizontal bar per row with phases, stacked
/// seal → spawn → run → reap → teardown (medians), in milliseconds.
pub struct PhaseBars<'a> {
    pub results: &'a Results,
}

const COLORS: [RGBColor; 5] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
];

impl super::Chart for PhaseBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let results = self.results;
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        panel::each_workload(root, results, |area, w, rows, _| {
            let rows = panel::bottom_up(rows, |r| r.analysis.phases.is_some());
            if rows.is_empty() {
                return Ok(());
            }
            let names: Vec<String> = rows.iter().map(|r| r.strategy.clone()).collect();
            let widest = rows
                .iter()
                .filter_map(|r| r.analysis.phases.map(|p| p.sum()))
                .fold(0.0f64, f64::max)
                * 1e3;
            let title = panel::title(
                results,
                w,
                "where the time goes (a typical start, --phases)",
            );
            let area = area.titled(&title, (FAMILY, 20)).map_err(e)?;
            let mut chart = ChartBuilder::on(&area)
                .margin(12)
                .margin_right(30)
                .x_label_area_size(40)
                .y_label_area_size(150)
                .build_cartesian_2d(
                    super::axis::linear(0.0, widest * 1.05)?,
                    (0..rows.len() - 1).into_segmented(),
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc("milliseconds per start")
                .y_labels(rows.len())
                .y_label_formatter(&|v| panel::strategy_label(&names, v))
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            for (k, phase) in Phases::NAMES.iter().enumerate() {
                let color = COLORS[k];
                let bars = rows.iter().enumerate().filter_map(|(i, r)| {
                    let p = r.analysis.phases?.as_array();
                    let from: f64 = p[..k].iter().sum::<f64>() * 1e3;
                    let to = from + p[k] * 1e3;
                    Some(Rectangle::new(
                        [
                            (from, SegmentValue::Exact(i)),
                            (to, SegmentValue::Exact(i + 1)),
                        ],
                        color.filled(),
                    ))
                });
                chart
                    .draw_series(bars)
                    .map_err(e)?
                    .label(*phase)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font((FAMILY, 15))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(e)?;
            Ok(())
        })
    }
}
