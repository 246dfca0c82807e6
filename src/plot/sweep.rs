use super::font::FAMILY;
use crate::sweep::{Param, SweepResults};
use plotters::coord::Shift;
use plotters::prelude::*;

fn x_of(param: Param, v: f64) -> f64 {
    match param {
        Param::ExeSize => v / f64::from(1 << 20),
        _ => v,
    }
}

/// One line per strategy: the median start against the parameter, with its 95% CI as a
/// band; log axes where the values span more than a factor of 20.
pub struct SweepChart<'a> {
    pub sweep: &'a SweepResults,
    pub workload: &'a str,
}

impl super::Chart for SweepChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        draw(root, self.sweep, self.workload)
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    sweep: &SweepResults,
    workload: &str,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let param = Param::parse(&sweep.param)?;
    let rows: Vec<_> = sweep
        .results
        .iter()
        .filter(|r| r.workload == workload && r.median.is_some())
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let xs: Vec<f64> = rows.iter().map(|r| x_of(param, r.value_num)).collect();
    let (x_lo, x_hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    let ys: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.ci95_median.map(|c| c.to_vec()).unwrap_or_default())
        .map(|y| y * 1e3)
        .collect();
    let (y_lo, y_hi) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(*y), b.max(*y)));
    let log_x = x_lo > 0.0 && x_hi / x_lo > 20.0;
    let log_y = y_lo > 0.0 && y_hi / y_lo > 20.0;
    let mut strategies: Vec<&str> = Vec::new();
    for r in &rows {
        if !strategies.contains(&r.strategy.as_str()) {
            strategies.push(&r.strategy);
        }
    }
    let title = format!(
        "{workload}: median start vs {} · kernel {} · {} CPUs · {} runs per point",
        sweep.param,
        sweep.host.kernel,
        sweep.host.cpus,
        match sweep.plan.runs {
            crate::benchmark::RunCount::Fixed(n) => n.to_string(),
            crate::benchmark::RunCount::Budget { min, .. } => min.to_string(),
        }
    );
    let x_range = if x_lo == x_hi {
        (x_lo - 1.0).max(0.0)..x_hi + 1.0
    } else {
        x_lo..x_hi
    };
    let y_range = (y_lo * 0.9)..(y_hi * 1.1);
    macro_rules! plot_on {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(param.axis())
                .x_labels(6)
                .y_labels(8)
                .y_desc("median start [ms]")
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            for (i, s) in strategies.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                let mut pts: Vec<_> = rows.iter().filter(|r| r.strategy == *s).collect();
                pts.sort_by(|a, b| a.value_num.total_cmp(&b.value_num));
                let band: Vec<(f64, f64)> = pts
                    .iter()
                    .filter_map(|r| {
                        r.ci95_median
                            .map(|c| (x_of(param, r.value_num), c[1] * 1e3))
                    })
                    .chain(pts.iter().rev().filter_map(|r| {
                        r.ci95_median
                            .map(|c| (x_of(param, r.value_num), c[0] * 1e3))
                    }))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
                    .map_err(e)?;
                let line: Vec<(f64, f64)> = pts
                    .iter()
                    .filter_map(|r| r.median.map(|m| (x_of(param, r.value_num), m * 1e3)))
                    .collect();
                chart
                    .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                    .map_err(e)?
                    .label(s.to_string())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(line.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                    .map_err(e)?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font((FAMILY, 15))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(e)?;
        }};
    }
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, (FAMILY, 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70);
    match (log_x, log_y) {
        (true, true) => plot_on!(builder
            .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())
            .map_err(e)?),
        (true, false) => plot_on!(builder
            .build_cartesian_2d(x_range.log_scale(), y_range)
            .map_err(e)?),
        (false, true) => plot_on!(builder
            .build_cartesian_2d(x_range, y_range.log_scale())
            .map_err(e)?),
        (false, false) => plot_on!(builder.build_cartesian_2d(x_range, y_range).map_err(e)?),
    }
    Ok(())
}
