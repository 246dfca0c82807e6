use super::{font::FAMILY, panel, Drawn};
use crate::results::Results;
use plotters::coord::Shift;
use plotters::data::Quartiles;
use plotters::prelude::*;

/// The distribution of start times per strategy as box plots (quartiles, 1.5 IQR
/// whiskers), on a log axis: on a linear one the copies' 8× hides every difference under
/// 10% among the rest. One panel per workload.
pub struct Distribution<'a> {
    pub results: &'a Results,
}

impl super::Chart for Distribution<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let results = self.results;
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        panel::each_workload(root, results, |area, w, rows, names| {
            let quartiles: Vec<Quartiles> = rows
                .iter()
                .map(|r| Quartiles::new(&r.times.iter().map(|t| t * 1e3).collect::<Vec<f64>>()))
                .collect();
            let (lo, hi) = quartiles.iter().fold((f64::MAX, 0.0f64), |(lo, hi), q| {
                let v = q.values();
                (lo.min(v[0] as f64), hi.max(v[4] as f64))
            });
            let (lo, hi) = (lo.max(1e-3), hi.max(lo.max(1e-3) * 1.01));
            let mut chart = ChartBuilder::on(area)
                .caption(
                    panel::title(
                        results,
                        w,
                        "start times, log axis (box: quartiles, whiskers: 1.5 IQR)",
                    ),
                    (FAMILY, 20),
                )
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    (0..rows.len() - 1).into_segmented(),
                    super::axis::log_f32(lo / 1.08, hi * 1.08)?.log_scale(),
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc("start [ms], log scale")
                .y_labels(12)
                .y_label_formatter(&|v| format!("{v:.2}"))
                .x_labels(rows.len())
                .x_label_formatter(&|v| panel::strategy_label(names, v))
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            chart
                .draw_series(quartiles.iter().enumerate().map(|(i, q)| {
                    Boxplot::new_vertical(SegmentValue::CenterOf(i), q)
                        .width(40)
                        .whisker_width(0.6)
                        .style(Palette99::pick(4).stroke_width(2))
                }))
                .map_err(e)?;
            Ok(())
        })
    }
}
