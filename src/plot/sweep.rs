use super::axis;
use super::palette::{self, Colors};
use super::{font::FAMILY, panel, DrawError, Drawn};
use crate::sweep::{Param, SweepEntry, SweepResults};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

fn x_of(param: Param, v: f64) -> f64 {
    match param {
        Param::ExeSize | Param::MemoryLimit => v / f64::from(1 << 20),
        _ => v,
    }
}

/// How the swept values are spaced along the x axis; the ticks are the values.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    /// Positive values spanning more than a factor of 4 (1, 4, 16, 64 MiB; 1, 2, 4, 8
    /// starters): a log axis, where each step of a doubling sweep is as wide.
    Log,
    /// Values including 0 that span orders of magnitude (0, 100, 1000, 5000 mounts): one
    /// equal slot per value, in order, since no log axis holds 0 and a linear one squashes
    /// 0 and 100 together.
    Slots(Vec<f64>),
    Linear,
}

impl XAxis {
    pub fn of(values: &[f64]) -> XAxis {
        let (lo, hi) = span(values.iter().copied());
        let positive = values.iter().filter(|v| **v > 0.0);
        let (plo, _) = span(positive.clone().copied());
        if lo > 0.0 && hi / lo > 4.0 {
            XAxis::Log
        } else if lo <= 0.0 && positive.count() >= 2 && hi / plo > 4.0 {
            let mut v = values.to_vec();
            v.sort_by(f64::total_cmp);
            v.dedup();
            XAxis::Slots(v)
        } else {
            XAxis::Linear
        }
    }

    /// Where a value goes in the chart's x coordinate.
    pub fn pos(&self, v: f64) -> f64 {
        match self {
            XAxis::Slots(values) => values
                .iter()
                .position(|x| (x - v).abs() < 1e-9)
                .unwrap_or(0) as f64,
            _ => v,
        }
    }

    fn label(&self, x: f64) -> String {
        match self {
            XAxis::Slots(values) => values
                .get(x.round() as usize)
                .map(|v| axis::tick_label(*v))
                .unwrap_or_default(),
            _ => axis::tick_label(x),
        }
    }

    /// The key points (one per value) and the range, in chart coordinates.
    fn keys_and_range(&self, values: &[f64]) -> (Vec<f64>, std::ops::Range<f64>) {
        let keys: Vec<f64> = values.iter().map(|v| self.pos(*v)).collect();
        let (lo, hi) = span(keys.iter().copied());
        let range = match self {
            XAxis::Log => lo / 1.2..hi * 1.2,
            XAxis::Slots(_) => lo - 0.35..hi + 0.35,
            XAxis::Linear => {
                let pad = ((hi - lo) * 0.05).max(0.5);
                lo - pad..hi + pad
            }
        };
        (keys, range)
    }
}

/// Panels per workload, each against the swept value: the median start with its 95% CI
/// as a band; the growth over the first value (paired by round) with its CI band and a
/// line at 1.0; and, for the concurrency sweep, the throughput of all starters together and,
/// where measured, the memory peak of the cgroup that held each burst (median over blocks).
/// The x ticks are the swept values. Log y axes where a panel's values span more than a
/// factor of 5. One key, on the right, for all of them.
pub struct SweepChart<'a> {
    pub sweep: &'a SweepResults,
    pub workload: &'a str,
}

/// How many panels beyond the median and growth a sweep has: throughput, and the memory
/// peak of simultaneous starts.
pub fn extra_panels(sweep: &SweepResults) -> u32 {
    u32::from(sweep.results.iter().any(|r| r.throughput.is_some()))
        + u32::from(sweep.results.iter().any(|r| r.burst_memory.is_some()))
}

impl super::Chart for SweepChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
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
        let colors = Colors::of(rows.iter().map(|r| (r.strategy.as_str(), true)));
        let main = format!(
            "{}: start time against {}, per strategy",
            self.workload, self.sweep.param
        );
        let sub = format!(
            "kernel {} · {} CPUs · values interleaved in {} rounds",
            self.sweep.host.kernel,
            self.sweep.host.cpus,
            rows.iter()
                .map(|r| r.rounds.len().max(r.times.len()))
                .min()
                .unwrap_or(0)
        );
        let root = panel::header(root, &main, &sub)?;
        let mut values: Vec<f64> = rows.iter().map(|r| x_of(param, r.value_num)).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let x = XAxis::of(&values);
        let medians = series(&rows, param, &x, |r| {
            Some((
                r.median? * 1e3,
                r.ci95_median.map(|c| [c[0] * 1e3, c[1] * 1e3]),
            ))
        });
        let growth = series(&rows, param, &x, |r| {
            let g = r.growth.as_ref()?;
            Some((g.value, g.ci95))
        });
        let throughput = series(&rows, param, &x, |r| Some((r.throughput?, None)));
        let peak = series(&rows, param, &x, |r| {
            let b = r.burst_memory.as_ref()?;
            Some((b.peak_bytes as f64 / f64::from(1 << 20), None))
        });
        let from = rows
            .iter()
            .find_map(|r| r.growth.as_ref().map(|g| g.from.clone()));
        let mut panels: Vec<(Series, String, Option<f64>)> =
            vec![(medians, "median start [ms]".to_string(), None)];
        if let Some(from) = from {
            panels.push((
                growth,
                format!("× over {} {from} (95% CI)", self.sweep.param),
                Some(1.0),
            ));
        }
        if throughput.iter().any(|(_, p)| !p.is_empty()) {
            panels.push((
                throughput,
                "starts per second, all starters".to_string(),
                None,
            ));
        }
        if peak.iter().any(|(_, p)| !p.is_empty()) {
            panels.push((peak, "memory peak of the burst [MiB]".to_string(), None));
        }
        let key_w = rows
            .iter()
            .map(|r| axis::text_width(&r.strategy, 15.0))
            .fold(60.0, f64::max) as u32
            + 60;
        let (plots, key) = root.split_horizontally(root.dim_in_pixel().0 - key_w);
        let n = panels.len();
        for (area, (s, desc, hline)) in plots.split_evenly((n, 1)).iter().zip(&panels) {
            draw_panel(area, param, &x, &values, s, desc, *hline, &colors)?;
        }
        // The key: one line per strategy, in the order of the rows.
        let style =
            TextStyle::from((FAMILY, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let mut names: Vec<&str> = Vec::new();
        for r in &rows {
            if !names.contains(&r.strategy.as_str()) {
                names.push(&r.strategy);
            }
        }
        for (i, name) in names.iter().enumerate() {
            let y = 30 + i as i32 * 24;
            let c = colors.get(name);
            if palette::light(c) {
                key.draw(&PathElement::new(
                    vec![(8, y), (36, y)],
                    palette::ink(c).stroke_width(5),
                ))
                .map_err(e)?;
            }
            key.draw(&PathElement::new(vec![(8, y), (36, y)], c.stroke_width(3)))
                .map_err(e)?;
            key.draw(&Circle::new((22, y), 5, c.filled())).map_err(e)?;
            key.draw(&Circle::new((22, y), 5, palette::ink(c).stroke_width(1)))
                .map_err(e)?;
            key.draw(&Text::new(name.to_string(), (44, y), style.clone()))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// Per strategy, in first-seen order: points (x, y, CI) sorted by x.
type Series = Vec<(String, Vec<(f64, f64, Option<[f64; 2]>)>)>;

fn series(
    rows: &[&SweepEntry],
    param: Param,
    x: &XAxis,
    y: impl Fn(&SweepEntry) -> Option<(f64, Option<[f64; 2]>)>,
) -> Series {
    let mut out: Series = Vec::new();
    for r in rows {
        let Some((v, ci)) = y(r) else { continue };
        let point = (x.pos(x_of(param, r.value_num)), v, ci);
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

#[allow(clippy::too_many_arguments)]
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    param: Param,
    x: &XAxis,
    values: &[f64],
    series: &Series,
    y_desc: &str,
    hline: Option<f64>,
    colors: &Colors,
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    let points = || series.iter().flat_map(|(_, p)| p.iter());
    if points().next().is_none() {
        return Ok(());
    }
    let (x_keys, x_range) = x.keys_and_range(values);
    let (y_lo, y_hi) = span(
        points()
            .flat_map(|p| [p.1, p.2.map_or(p.1, |c| c[0]), p.2.map_or(p.1, |c| c[1])])
            .chain(hline),
    );
    let log_y = y_lo > 0.0 && y_hi / y_lo > 5.0;
    let y_range = if log_y {
        y_lo / 1.1..y_hi * 1.1
    } else {
        let pad = ((y_hi - y_lo) * 0.08).max(y_hi.abs() * 0.01);
        y_lo - pad..y_hi + pad
    };
    let y_len = f64::from(area.dim_in_pixel().1) - 70.0;
    let y_keys = axis::ticks(y_range.start, y_range.end, log_y, y_len, 28.0);
    let log_x = *x == XAxis::Log;
    let x_desc = match x {
        XAxis::Slots(_) => format!("{} (one slot per value, not to scale)", param.axis()),
        XAxis::Log => format!("{}, log scale", param.axis()),
        XAxis::Linear => param.axis().to_string(),
    };
    macro_rules! plot_on {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_desc.as_str())
                .x_label_formatter(&|v| x.label(*v))
                .y_label_formatter(&|v| axis::tick_label(*v))
                .y_desc(y_desc)
                .label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
                .draw()
                .map_err(e)?;
            if let Some(h) = hline {
                chart
                    .draw_series(LineSeries::new(
                        [(x_range.start, h), (x_range.end, h)],
                        BLACK.mix(0.6).stroke_width(1),
                    ))
                    .map_err(e)?;
            }
            for (name, pts) in series {
                let color = colors.get(name);
                let band: Vec<(f64, f64)> = pts
                    .iter()
                    .filter_map(|p| p.2.map(|c| (p.0, c[1])))
                    .chain(pts.iter().rev().filter_map(|p| p.2.map(|c| (p.0, c[0]))))
                    .collect();
                if band.len() >= 4 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(
                            band,
                            color.mix(0.22).filled(),
                        )))
                        .map_err(e)?;
                }
            }
            for (name, pts) in series {
                let color = colors.get(name);
                let ink = palette::ink(color);
                let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
                // A light colour's line is cased in its dark shade, so that it keeps its hue.
                if palette::light(color) {
                    chart
                        .draw_series(LineSeries::new(line.clone(), ink.stroke_width(5)))
                        .map_err(e)?;
                }
                chart
                    .draw_series(LineSeries::new(line.clone(), color.stroke_width(3)))
                    .map_err(e)?;
                chart
                    .draw_series(line.iter().map(|p| Circle::new(*p, 5, color.filled())))
                    .map_err(e)?;
                chart
                    .draw_series(line.iter().map(|p| Circle::new(*p, 5, ink.stroke_width(1))))
                    .map_err(e)?;
            }
        }};
    }
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .margin_right(20)
        .x_label_area_size(48)
        .y_label_area_size(72);
    plot_on!(builder
        .build_cartesian_2d(
            axis::Keyed::new(x_range.clone(), log_x, x_keys)?,
            axis::Keyed::new(y_range, log_y, y_keys)?
        )
        .map_err(e)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_x_axis_fits_the_swept_values() {
        assert_eq!(XAxis::of(&[1.0, 4.0, 16.0, 64.0]), XAxis::Log);
        assert_eq!(XAxis::of(&[1.0, 2.0, 4.0, 8.0]), XAxis::Log);
        // 0 and 100 among 1000 and 5000: one slot each, 0 and 100 a slot apart.
        let x = XAxis::of(&[0.0, 100.0, 1000.0, 5000.0]);
        assert_eq!(x, XAxis::Slots(vec![0.0, 100.0, 1000.0, 5000.0]));
        assert_eq!(x.pos(0.0), 0.0);
        assert_eq!(x.pos(100.0), 1.0);
        assert_eq!(x.pos(5000.0), 3.0);
        assert_eq!(x.label(1.0), "100");
        assert_eq!(XAxis::of(&[10.0, 20.0, 30.0]), XAxis::Linear);
        assert_eq!(XAxis::of(&[0.0, 1.0]), XAxis::Linear);
        // The ticks are the swept values, in chart coordinates.
        let (keys, range) = x.keys_and_range(&[0.0, 100.0, 1000.0, 5000.0]);
        assert_eq!(keys, vec![0.0, 1.0, 2.0, 3.0]);
        assert!(range.start < 0.0 && range.end > 3.0);
        let (keys, range) = XAxis::Log.keys_and_range(&[1.0, 4.0, 16.0, 64.0]);
        assert_eq!(keys, vec![1.0, 4.0, 16.0, 64.0]);
        assert!(range.start > 0.0 && range.start < 1.0 && range.end > 64.0);
    }
}
