use super::axis;
use super::palette::OKABE_ITO;
use super::{font::FAMILY, panel, DrawError, Drawn};
use crate::results::merge::{host_label, ratio, rows, Merged};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Ratios to the reference, one group of bars per strategy, one bar per host, one panel
/// per workload.
pub struct MergeChart<'a> {
    pub m: &'a Merged,
}

impl super::Chart for MergeChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        draw(root, self.m)
    }
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, m: &Merged) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    root.fill(&WHITE).map_err(e)?;
    let all = rows(m);
    let workloads: indexmap::IndexSet<String> = all.iter().map(|(w, _)| w.clone()).collect();
    let hosts = m.runs.len().max(1);
    for (area, w) in root
        .split_evenly((workloads.len().max(1), 1))
        .iter()
        .zip(&workloads)
    {
        let strategies: Vec<&String> = all.iter().filter(|(x, _)| x == w).map(|(_, s)| s).collect();
        let top = m
            .runs
            .iter()
            .flat_map(|r| {
                strategies
                    .iter()
                    .filter_map(move |s| ratio(r, w, s))
                    .map(|(_, ci)| ci[1])
            })
            .fold(1.0, f64::max);
        let hosts_line = format!("one bar per host ({}), named in the key", m.runs.len());
        let area = panel::header(
            area,
            &format!(
                "{w}: each strategy's median over {}'s, per host",
                m.reference
            ),
            &hosts_line,
        )?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(
                0.0..strategies.len() as f64,
                axis::Keyed::new(
                    0.0..top * 1.15,
                    false,
                    axis::ticks(
                        0.0,
                        top * 1.15,
                        false,
                        f64::from(area.dim_in_pixel().1) - 80.0,
                        30.0,
                    ),
                )?,
            )
            .map_err(e)?;
        let names: Vec<String> = strategies.iter().map(|s| s.to_string()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(strategies.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 1e-6 {
                    names.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(format!("median / {}'s median", m.reference))
            .y_label_formatter(&|v| axis::tick_label(*v))
            .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
            .label_style((FAMILY, 15))
            .axis_desc_style((FAMILY, 16))
            .draw()
            .map_err(e)?;
        let width = 0.8 / hosts as f64;
        for (j, run) in m.runs.iter().enumerate() {
            let color = OKABE_ITO[j % OKABE_ITO.len()];
            let bars: Vec<Rectangle<(f64, f64)>> = strategies
                .iter()
                .enumerate()
                .filter_map(|(i, s)| ratio(run, w, s).map(|(v, _)| (i, v)))
                .map(|(i, v)| {
                    let x0 = i as f64 + 0.1 + j as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.9, v)], color.filled())
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(e)?
                .label(host_label(&run.host))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
    }
    Ok(())
}
