use super::axis;
use super::palette::Colors;
use super::{font::FAMILY, panel, DrawError, Drawn};
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
        let colors = Colors::of_results(results);
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
        panel::each_workload(root, results, |area, w, rows, names| {
            let top = rows
                .iter()
                .filter_map(|r| r.analysis.ci95_median.map(|c| c[1]).or(r.analysis.median))
                .fold(0.0, f64::max)
                * 1e3;
            let (main, sub) = panel::title(
                results,
                w,
                &format!("median start time with its 95% CI, and its ratio to {reference}'s"),
            );
            let area = panel::header(area, &main, &sub)?;
            let (pw, ph) = area.dim_in_pixel();
            let label_size = panel::label_size(names, (f64::from(pw) - 100.0) / rows.len() as f64);
            let y_ticks = axis::ticks(0.0, top * 1.22, false, f64::from(ph) - 90.0, 30.0);
            let mut chart = ChartBuilder::on(&area)
                .margin(12)
                .margin_top(8)
                .x_label_area_size(36)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    (0..rows.len() - 1).into_segmented(),
                    axis::Keyed::new(0.0..top * 1.22, false, y_ticks)?,
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc("median start [ms]")
                .x_labels(rows.len())
                .x_label_formatter(&|v| panel::strategy_label(names, v))
                .y_label_formatter(&|v| axis::tick_label(*v))
                .x_label_style((FAMILY, label_size))
                .y_label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
                .draw()
                .map_err(e)?;
            chart
                .draw_series(rows.iter().enumerate().map(|(i, r)| {
                    let color = colors.get(&r.strategy);
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (
                                SegmentValue::Exact(i + 1),
                                r.analysis.median.unwrap_or(0.0) * 1e3,
                            ),
                        ],
                        color.mix(0.85).filled(),
                    );
                    rect.set_margin(0, 0, 14, 14);
                    rect
                }))
                .map_err(e)?;
            let intervals: Vec<(usize, f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    r.analysis
                        .ci95_median
                        .map(|[lo, hi]| (i, lo * 1e3, hi * 1e3))
                })
                .collect();
            // The 95% CI of each median: a vertical line with short caps (pixel offsets),
            // black on a white halo so that it shows on a dark bar as on a light one.
            for ci in [WHITE.stroke_width(6), BLACK.stroke_width(2)] {
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
            }
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                    let hi = r.analysis.ci95_median.map(|c| c[1]).or(r.analysis.median)? * 1e3;
                    let label = match &r.analysis.ratio {
                        Some(_) if r.strategy == reference => "reference".to_string(),
                        Some(q) => format!("{:.2}×", q.value),
                        None => String::new(),
                    };
                    let style = TextStyle::from((FAMILY, label_size.max(13.0)).into_font())
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
