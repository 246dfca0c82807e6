use super::{font::FAMILY, panel, Drawn};
use crate::results::Results;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The median start time per strategy with its 95% CI as an error bar, and the ratio to
/// the reference written above each bar. One panel per workload.
pub struct Medians<'a> {
    pub results: &'a Results,
    pub reference: &'a str,
}

impl super::Chart for Medians<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let (results, reference) = (self.results, self.reference);
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        panel::each_workload(root, results, |area, w, rows, names| {
            let top = rows
                .iter()
                .filter_map(|r| r.analysis.ci95_median.map(|c| c[1]).or(r.analysis.median))
                .fold(0.0, f64::max)
                * 1e3;
            let mut chart = ChartBuilder::on(area)
                .caption(
                    panel::title(results, w, "median start time, 95% CI"),
                    (FAMILY, 20),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    (0..rows.len() - 1).into_segmented(),
                    super::axis::linear(0.0, top * 1.22)?,
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc("median start [ms]")
                .x_labels(rows.len())
                .x_label_formatter(&|v| panel::strategy_label(names, v))
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            let bar = Palette99::pick(4).mix(0.75).filled();
            chart
                .draw_series(rows.iter().enumerate().map(|(i, r)| {
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (
                                SegmentValue::Exact(i + 1),
                                r.analysis.median.unwrap_or(0.0) * 1e3,
                            ),
                        ],
                        bar,
                    );
                    rect.set_margin(0, 0, 18, 18);
                    rect
                }))
                .map_err(e)?;
            // The 95% CI of each median: a vertical line with short caps (pixel offsets).
            let ci = BLACK.stroke_width(2);
            let intervals: Vec<(usize, f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    r.analysis
                        .ci95_median
                        .map(|[lo, hi]| (i, lo * 1e3, hi * 1e3))
                })
                .collect();
            chart
                .draw_series(intervals.iter().map(|&(i, lo, hi)| {
                    PathElement::new(
                        vec![
                            (SegmentValue::CenterOf(i), lo),
                            (SegmentValue::CenterOf(i), hi),
                        ],
                        ci,
                    )
                }))
                .map_err(e)?;
            chart
                .draw_series(intervals.iter().flat_map(|&(i, lo, hi)| {
                    [lo, hi].map(|y| {
                        EmptyElement::at((SegmentValue::CenterOf(i), y))
                            + PathElement::new(vec![(-10, 0), (10, 0)], ci)
                    })
                }))
                .map_err(e)?;
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                    let hi = r.analysis.ci95_median.map(|c| c[1]).or(r.analysis.median)? * 1e3;
                    let label = match &r.analysis.ratio {
                        Some(q) if r.strategy == reference => "reference".to_string(),
                        Some(q) => format!("{:.2}×", q.value),
                        None => String::new(),
                    };
                    let style = TextStyle::from((FAMILY, 16).into_font())
                        .pos(Pos::new(HPos::Center, VPos::Bottom));
                    Some(Text::new(
                        label,
                        (SegmentValue::CenterOf(i), hi + top * 0.03),
                        style,
                    ))
                }))
                .map_err(e)?;
            Ok(())
        })
    }
}
