use super::{font::FAMILY, Drawn};
use crate::sweep::{Param, SweepEntry, SweepResults};
use plotters::coord::Shift;
use plotters::prelude::*;

fn x_of(param: Param, v: f64) -> f64 {
    match param {
        Param::ExeSize | Param::MemoryLimit => v / f64::from(1 << 20),
        _ => v,
    }
}

/// Axis numbers as the values were given: `1000`, not `1000.0`; fractions only where a
/// value has one.
fn tick(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Two panels per workload: the median start against the parameter with its 95% CI as a
/// band, and below it the growth over the first value (paired by round) with its CI band
/// and a line at 1.0. Log axes where the values span more than a factor of 20.
pub struct SweepChart<'a> {
    pub sweep: &'a SweepResults,
    pub workload: &'a str,
}

impl super::Chart for SweepChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(e)?;
        let param = self.sweep.param;
        let rows: Vec<&SweepEntry> = self
            .sweep
            .results
            .iter()
            .filter(|r| r.workload == self.workload && r.median.is_some())
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let title = format!(
            "{}: start vs {} · kernel {} · {} CPUs · values interleaved in {} rounds",
            self.workload,
            self.sweep.param,
            self.sweep.host.kernel,
            self.sweep.host.cpus,
            rows.iter()
                .map(|r| r.rounds.len().max(r.times.len()))
                .min()
                .unwrap_or(0)
        );
        let root = root.titled(&title, (FAMILY, 20)).map_err(e)?;
        let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 11 / 20);
        let medians = series(&rows, param, |r| {
            Some((
                r.median? * 1e3,
                r.ci95_median.map(|c| [c[0] * 1e3, c[1] * 1e3]),
            ))
        });
        panel(&top, param, &medians, "median start [ms]", None)?;
        let growth = series(&rows, param, |r| {
            let g = r.growth.as_ref()?;
            Some((g.value, g.ci95))
        });
        let from = rows
            .iter()
            .find_map(|r| r.growth.as_ref().map(|g| g.from.clone()));
        if let Some(from) = from {
            let label = format!("× over {} {from} (95% CI)", self.sweep.param);
            panel(&bottom, param, &growth, &label, Some(1.0))?;
        }
        Ok(())
    }
}

/// Per strategy, in first-seen order: points (x, y, CI) sorted by x.
type Series = Vec<(String, Vec<(f64, f64, Option<[f64; 2]>)>)>;

fn series(
    rows: &[&SweepEntry],
    param: Param,
    y: impl Fn(&SweepEntry) -> Option<(f64, Option<[f64; 2]>)>,
) -> Series {
    let mut out: Series = Vec::new();
    for r in rows {
        let Some((v, ci)) = y(r) else { continue };
        let point = (x_of(param, r.value_num), v, ci);
        match out.iter_mut().find(|(s, _)| *s == r.strategy) {
            Some((_, pts)) => pts.push(point),
            None => out.push((r.strategy.clone(), vec![point])),
        }
    }
    for (_, pts) in &mut out {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)))
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    param: Param,
    series: &Series,
    y_desc: &str,
    hline: Option<f64>,
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let points = || series.iter().flat_map(|(_, p)| p.iter());
    if points().next().is_none() {
        return Ok(());
    }
    let (x_lo, x_hi) = span(points().map(|p| p.0));
    let (y_lo, y_hi) = span(
        points()
            .flat_map(|p| [p.1, p.2.map_or(p.1, |c| c[0]), p.2.map_or(p.1, |c| c[1])])
            .chain(hline),
    );
    let log_x = x_lo > 0.0 && x_hi / x_lo > 20.0;
    let log_y = y_lo > 0.0 && y_hi / y_lo > 20.0;
    // Room either side, so the first and last value's labels are not cut at the edge.
    let x_range = if log_x {
        super::axis::log(x_lo / 1.25, x_hi * 1.25)?
    } else {
        let pad = ((x_hi - x_lo) * 0.05).max(0.5);
        super::axis::linear(x_lo - pad, x_hi + pad)?
    };
    let y_range = if log_y {
        super::axis::log(y_lo / 1.1, y_hi * 1.1)?
    } else {
        let pad = ((y_hi - y_lo) * 0.08).max(y_hi.abs() * 0.01);
        super::axis::linear(y_lo - pad, y_hi + pad)?
    };
    macro_rules! plot_on {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(param.axis())
                .x_labels(8)
                .x_label_formatter(&tick)
                .y_labels(7)
                .y_label_formatter(&tick)
                .y_desc(y_desc)
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .draw()
                .map_err(e)?;
            if let Some(h) = hline {
                chart
                    .draw_series(LineSeries::new(
                        [(x_range.start, h), (x_range.end, h)],
                        BLACK.mix(0.5).stroke_width(1),
                    ))
                    .map_err(e)?;
            }
            for (i, (name, pts)) in series.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                let band: Vec<(f64, f64)> = pts
                    .iter()
                    .filter_map(|p| p.2.map(|c| (p.0, c[1])))
                    .chain(pts.iter().rev().filter_map(|p| p.2.map(|c| (p.0, c[0]))))
                    .collect();
                if band.len() >= 2 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
                        .map_err(e)?;
                }
                let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
                chart
                    .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                    .map_err(e)?
                    .label(name.clone())
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
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(70);
    match (log_x, log_y) {
        (true, true) => plot_on!(builder
            .build_cartesian_2d(x_range.clone().log_scale(), y_range.log_scale())
            .map_err(e)?),
        (true, false) => plot_on!(builder
            .build_cartesian_2d(x_range.clone().log_scale(), y_range)
            .map_err(e)?),
        (false, true) => plot_on!(builder
            .build_cartesian_2d(x_range.clone(), y_range.log_scale())
            .map_err(e)?),
        (false, false) => plot_on!(builder
            .build_cartesian_2d(x_range.clone(), y_range)
            .map_err(e)?),
    }
    Ok(())
}
