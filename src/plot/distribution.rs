use super::axis;
use super::palette::{self, Colors};
use super::{font::FAMILY, panel, DrawError, Drawn};
use crate::results::Results;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use statrs::statistics::{Data, OrderStatistics};

/// The distribution of start times per row as Tukey box plots (box: quartiles; whiskers:
/// the last start inside 1.5 IQR of the box; dots: the starts beyond), on a log axis: on
/// a linear one the copies' 8× hides every difference under 10% among the rest. One
/// panel per workload.
pub struct Distribution<'a> {
    pub results: &'a Results,
}

/// A Tukey box plot of one sample: quartiles as [`crate::stats::Outliers`] takes them, so
/// the dots are the starts it counts as outliers.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxPlot {
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// The smallest and largest starts within 1.5 IQR of the box.
    pub whiskers: [f64; 2],
    pub outliers: Vec<f64>,
}

impl BoxPlot {
    pub fn of(xs: &[f64]) -> Option<BoxPlot> {
        if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let mut d = Data::new(xs.to_vec());
        let (q1, median, q3) = (d.lower_quartile(), d.median(), d.upper_quartile());
        let iqr = q3 - q1;
        let (lo_fence, hi_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let inside = || {
            xs.iter()
                .copied()
                .filter(|&x| lo_fence <= x && x <= hi_fence)
        };
        let whiskers = [
            inside().fold(f64::INFINITY, f64::min).min(q1),
            inside().fold(f64::NEG_INFINITY, f64::max).max(q3),
        ];
        let outliers = xs
            .iter()
            .copied()
            .filter(|&x| x < lo_fence || x > hi_fence)
            .collect();
        Some(BoxPlot {
            q1,
            median,
            q3,
            whiskers,
            outliers,
        })
    }
}

/// How far past the whiskers the axis reaches; starts beyond are counted at its edge.
const REACH: f64 = 2.5;

/// A stable spread of dots across their column: the golden-ratio sequence.
fn jitter(k: usize) -> f64 {
    ((k as f64 * 0.618_033_988_75).fract() - 0.5) * 2.0
}

impl super::Chart for Distribution<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let results = self.results;
        let colors = Colors::of_results(results);
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
        panel::each_workload(root, results, |area, w, rows, names| {
            let boxes: Vec<Option<BoxPlot>> = rows
                .iter()
                .map(|r| BoxPlot::of(&r.times.iter().map(|t| t * 1e3).collect::<Vec<f64>>()))
                .collect();
            let (lo, hi) = boxes
                .iter()
                .flatten()
                .fold((f64::MAX, 0.0f64), |(lo, hi), b| {
                    (lo.min(b.whiskers[0]), hi.max(b.whiskers[1]))
                });
            let all_lo = boxes
                .iter()
                .flatten()
                .flat_map(|b| b.outliers.iter())
                .fold(lo, |a, &x| a.min(x));
            let all_hi = boxes
                .iter()
                .flatten()
                .flat_map(|b| b.outliers.iter())
                .fold(hi, |a, &x| a.max(x));
            let lo = all_lo.max(lo / REACH).max(1e-4) / 1.06;
            let hi = all_hi.min(hi * REACH).max(lo * 1.1) * 1.06;
            let (main, sub) = panel::title(results, w, "start times per row, log axis");
            let sub = format!(
                "{sub} · box: quartiles · whiskers: last start within 1.5 IQR · dots: beyond"
            );
            let area = panel::header(area, &main, &sub)?;
            let (pw, ph) = area.dim_in_pixel();
            let slot = (f64::from(pw) - 100.0) / rows.len() as f64;
            let label_size = panel::label_size(names, slot);
            let y_ticks = axis::ticks(lo, hi, true, f64::from(ph) - 90.0, 30.0);
            let n = rows.len();
            let mut chart = ChartBuilder::on(&area)
                .margin(12)
                .margin_top(8)
                .x_label_area_size(36)
                .y_label_area_size(70)
                .build_cartesian_2d(
                    axis::Keyed::new(
                        -0.5..n as f64 - 0.5,
                        false,
                        (0..n).map(|i| i as f64).collect(),
                    )?,
                    axis::Keyed::new(lo..hi, true, y_ticks)?,
                )
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc("start [ms], log scale")
                .y_label_formatter(&|v| axis::tick_label(*v))
                .x_label_formatter(&|x| names.get(x.round() as usize).cloned().unwrap_or_default())
                .x_label_style((FAMILY, label_size))
                .y_label_style((FAMILY, 15))
                .axis_desc_style((FAMILY, 16))
                .bold_line_style(RGBColor(0xD8, 0xD8, 0xD8))
                .draw()
                .map_err(e)?;
            let plot = chart.plotting_area();
            let clamp = |v: f64| v.clamp(lo, hi);
            for (i, (b, r)) in boxes.iter().zip(rows).enumerate() {
                let Some(b) = b else { continue };
                let color = colors.get(&r.strategy);
                let ink = palette::ink(color);
                let x = i as f64;
                let (half, cap) = (0.3, 0.15);
                let dots = b.outliers.iter().filter(|v| (lo..=hi).contains(*v));
                for (k, &v) in dots.enumerate() {
                    plot.draw(&Circle::new(
                        (x + jitter(k) * half * 0.8, v),
                        2,
                        ink.mix(0.3).filled(),
                    ))
                    .map_err(e)?;
                }
                for (end, edge) in [(b.whiskers[0], b.q1), (b.whiskers[1], b.q3)] {
                    plot.draw(&PathElement::new(
                        vec![(x, clamp(end)), (x, clamp(edge))],
                        ink.stroke_width(2),
                    ))
                    .map_err(e)?;
                    plot.draw(&PathElement::new(
                        vec![(x - cap, clamp(end)), (x + cap, clamp(end))],
                        ink.stroke_width(2),
                    ))
                    .map_err(e)?;
                }
                plot.draw(&Rectangle::new(
                    [(x - half, clamp(b.q1)), (x + half, clamp(b.q3))],
                    color.mix(0.8).filled(),
                ))
                .map_err(e)?;
                plot.draw(&Rectangle::new(
                    [(x - half, clamp(b.q1)), (x + half, clamp(b.q3))],
                    ink.stroke_width(1),
                ))
                .map_err(e)?;
                // The median: black on a white halo, seen on a dark box as on a light one.
                for style in [WHITE.stroke_width(5), BLACK.stroke_width(2)] {
                    plot.draw(&PathElement::new(
                        vec![(x - half, clamp(b.median)), (x + half, clamp(b.median))],
                        style,
                    ))
                    .map_err(e)?;
                }
                // Starts past the axis: counted at its edge.
                let above = b.outliers.iter().filter(|&&v| v > hi).count();
                let below = b.outliers.iter().filter(|&&v| v < lo).count();
                let style = |v: VPos| {
                    TextStyle::from((FAMILY, 13).into_font()).pos(Pos::new(HPos::Center, v))
                };
                if above > 0 {
                    plot.draw(&Text::new(format!("{above} ↑"), (x, hi), style(VPos::Top)))
                        .map_err(e)?;
                }
                if below > 0 {
                    plot.draw(&Text::new(
                        format!("{below} ↓"),
                        (x, lo),
                        style(VPos::Bottom),
                    ))
                    .map_err(e)?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whiskers end at the last start inside the fences, never at Q1 - 1.5 IQR (which
    /// is below every start here, and below zero: on a log axis the whisker fell to 0).
    #[test]
    fn whiskers_end_at_the_last_start_inside_the_fences() {
        let mut xs: Vec<f64> = (0..100).map(|i| 1.0 + f64::from(i) * 0.01).collect();
        xs.extend([5.0, 9.0]); // far above the box
        let b = BoxPlot::of(&xs).unwrap();
        let iqr = b.q3 - b.q1;
        assert!(
            b.q1 - 1.5 * iqr < 1.0,
            "the lower fence is below every start"
        );
        assert_eq!(
            b.whiskers[0], 1.0,
            "the lower whisker is the smallest start"
        );
        assert_eq!(
            b.whiskers[1], 1.99,
            "the upper whisker is the last start inside"
        );
        assert_eq!(b.outliers, vec![5.0, 9.0]);
        assert!(b.whiskers[0] > 0.0);
        // The dots are the starts crate::stats counts as outliers.
        let o = crate::stats::Outliers::of(&xs);
        assert_eq!((o.mild() + o.severe()) as usize, b.outliers.len());
    }

    #[test]
    fn a_tight_sample_has_whiskers_at_its_ends_and_no_dots() {
        let b = BoxPlot::of(&[2.0, 2.0, 2.0, 2.0]).unwrap();
        assert_eq!(b.whiskers, [2.0, 2.0]);
        assert!(b.outliers.is_empty());
        assert!(BoxPlot::of(&[]).is_none());
        let b = BoxPlot::of(&[1.0, 2.0, 3.0]).unwrap();
        assert!(b.whiskers[0] <= b.q1 && b.q3 <= b.whiskers[1]);
    }
}
