use super::{font::FAMILY, panel, Drawn};
use crate::results::Results;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The picture a maintainer pastes into a pull request: per workload, every row's ratio to
/// the reference with its 95% CI on a log axis (so that 1.05× and 5× both read), a line at
/// 1, and the ratio written beside each row, rows in the results' order from the top.
pub struct Ratios<'a> {
    pub results: &'a Results,
    pub reference: &'a str,
}

impl super::Chart for Ratios<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let (results, reference) = (self.results, self.reference);
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        panel::each_workload(root, results, |area, w, rows, _| {
            let rows = panel::bottom_up(rows, |r| r.analysis.ratio.is_some());
            if rows.is_empty() {
                return Ok(());
            }
            let names: Vec<String> = rows.iter().map(|r| r.strategy.clone()).collect();
            let (lo, hi) = rows
                .iter()
                .filter_map(|r| r.analysis.ratio.as_ref())
                .fold((1.0f64, 1.0f64), |(a, b), q| {
                    (a.min(q.ci95[0]), b.max(q.ci95[1]))
                });
            let pad = (hi / lo).powf(0.04).max(1.01);
            let (x_lo, x_hi) = (lo / pad, hi * pad);
            let title = panel::title(
                results,
                w,
                &format!("ratio to {reference}, 95% CI, log axis"),
            );
            let area = area.titled(&title, (FAMILY, 20)).map_err(e)?;
            // The printed ratios get the right third of the panel, clear of the points.
            let width = area.dim_in_pixel().0;
            let (plot, text) = area.split_horizontally(width * 64 / 100);
            let mut chart = ChartBuilder::on(&plot)
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(150)
                .build_cartesian_2d(
                    super::axis::log(x_lo, x_hi)?.log_scale(),
                    (0..rows.len() - 1).into_segmented(),
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc(format!("median over {reference}'s median (log scale)"))
                .x_labels(16)
                .x_label_formatter(&|x| {
                    let s = format!("{x:.3}");
                    s.trim_end_matches('0').trim_end_matches('.').to_string()
                })
                .light_line_style(WHITE.mix(0.0))
                .y_labels(rows.len())
                .y_label_formatter(&|v| panel::strategy_label(&names, v))
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![
                        (1.0, SegmentValue::Exact(0)),
                        (1.0, SegmentValue::Exact(rows.len())),
                    ],
                    BLACK.mix(0.6).stroke_width(1),
                )))
                .map_err(e)?;
            let ci = Palette99::pick(4).stroke_width(3);
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                    let q = r.analysis.ratio.as_ref()?;
                    Some(PathElement::new(
                        vec![
                            (q.ci95[0], SegmentValue::CenterOf(i)),
                            (q.ci95[1], SegmentValue::CenterOf(i)),
                        ],
                        ci,
                    ))
                }))
                .map_err(e)?;
            chart
                .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                    let q = r.analysis.ratio.as_ref()?;
                    Some(Circle::new(
                        (q.value, SegmentValue::CenterOf(i)),
                        5,
                        BLACK.filled(),
                    ))
                }))
                .map_err(e)?;
            let style =
                TextStyle::from((FAMILY, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
            for (i, r) in rows.iter().enumerate() {
                let Some(q) = r.analysis.ratio.as_ref() else {
                    continue;
                };
                let label = if r.strategy == reference {
                    "reference".to_string()
                } else {
                    let mark = q.verdict.map(|v| format!("  {v}")).unwrap_or_default();
                    format!("{}{mark}", crate::output::ratio_text(q))
                };
                // Same height as the row's point: the plot's backend coordinate of its centre.
                let (_, y) = chart.backend_coord(&(1.0, SegmentValue::CenterOf(i)));
                let y = y - text.get_base_pixel().1;
                text.draw(&Text::new(label, (8, y), style.clone()))
                    .map_err(e)?;
            }
            Ok(())
        })
    }
}
