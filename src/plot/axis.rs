//! The geometry charts share: where ticks go, how they are written, where a ratio axis
//! breaks, and what size a line of text must be to fit; and axis ranges made from data,
//! checked before plotters sees them. plotters finds an axis's ticks by stepping from its
//! start to its end: an end that is infinite, or a log axis over more decades than an f64
//! can count (10⁻³⁰⁰ to 10³⁰⁰), is never reached, and the drawing spins forever in
//! `LogCoord::key_points`. Loading refuses values no run makes; this is what a chart of
//! anything else (a sweep file, a future field) meets.

use super::font::FAMILY;
use super::DrawError;
use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::style::{FontDesc, IntoFont};
use std::ops::Range;

/// The most decades a log axis spans: a ratio of 10⁻⁹ to a day (the bounds of a start)
/// is under 14, and past about 30 the ticks would not fit the chart anyway.
const MAX_DECADES: f64 = 30.0;

fn refuse(what: &str, lo: f64, hi: f64, why: &str) -> DrawError {
    DrawError::Axis(format!(
        "cannot draw a {what} axis from {lo:e} to {hi:e}: {why}"
    ))
}

/// A log axis from `lo` to `hi`.
pub fn log(lo: f64, hi: f64) -> Result<Range<f64>, DrawError> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(refuse("log", lo, hi, "not a range of positive numbers"));
    }
    if (hi.log10() - lo.log10()) > MAX_DECADES {
        return Err(refuse(
            "log",
            lo,
            hi,
            &format!("more than {MAX_DECADES} decades"),
        ));
    }
    Ok(lo..hi)
}

/// A linear axis from `lo` to `hi`.
pub fn linear(lo: f64, hi: f64) -> Result<Range<f64>, DrawError> {
    if !(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite() && hi >= lo) {
        return Err(refuse("linear", lo, hi, "not a finite range"));
    }
    Ok(lo..hi)
}

/// An f64 axis, linear or log, whose ticks are the given values (and no light lines).
/// plotters' own `with_key_points` cannot have its labels formatted.
pub enum Keyed {
    Linear(RangedCoordf64, Vec<f64>),
    Log(LogCoord<f64>, Vec<f64>),
}

impl Keyed {
    /// The axis, or why it cannot be drawn (see [`log`] and [`linear`]).
    pub fn new(range: Range<f64>, is_log: bool, keys: Vec<f64>) -> Result<Keyed, DrawError> {
        Ok(if is_log {
            Keyed::Log(log(range.start, range.end)?.log_scale().into(), keys)
        } else {
            Keyed::Linear(linear(range.start, range.end)?.into(), keys)
        })
    }
}

impl Ranged for Keyed {
    type ValueType = f64;
    type FormatOption = DefaultFormatting;

    fn range(&self) -> Range<f64> {
        match self {
            Keyed::Linear(r, _) => r.range(),
            Keyed::Log(r, _) => r.range(),
        }
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        match self {
            Keyed::Linear(r, _) => r.map(value, limit),
            Keyed::Log(r, _) => r.map(value, limit),
        }
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        match self {
            Keyed::Linear(_, k) | Keyed::Log(_, k) => k.clone(),
        }
    }
}

/// A value's place along an axis of `len` pixels from `lo` to `hi`, linear or log.
pub fn place(v: f64, lo: f64, hi: f64, log: bool, len: f64) -> f64 {
    let f = |x: f64| if log { x.ln() } else { x };
    (f(v) - f(lo)) / (f(hi) - f(lo)) * len
}

/// A way of placing round ticks: every multiple of a step, or, on a log axis, these
/// mantissas in every decade.
#[derive(Debug, Clone, PartialEq)]
pub enum TickRule {
    Step(f64),
    Decades(&'static [f64]),
}

impl TickRule {
    /// The rule's ticks from `lo` to `hi`, ends included.
    pub fn within(&self, lo: f64, hi: f64) -> Vec<f64> {
        if lo > hi || !lo.is_finite() || !hi.is_finite() {
            return Vec::new();
        }
        match self {
            TickRule::Step(step) => {
                let first = (lo / step - 1e-9).ceil() as i64;
                let last = (hi / step + 1e-9).floor() as i64;
                if last - first > 400 {
                    return Vec::new();
                }
                (first..=last).map(|i| round_to(i as f64 * step)).collect()
            }
            TickRule::Decades(mantissas) => {
                if lo <= 0.0 {
                    return Vec::new();
                }
                let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
                (d0..=d1)
                    .flat_map(|d| mantissas.iter().map(move |m| round_to(m * 10f64.powi(d))))
                    .filter(|v| *v >= lo && *v <= hi)
                    .collect()
            }
        }
    }
}

/// The rule for an axis from `lo` to `hi` that is `len` pixels long whose ticks are no
/// two closer than `gap` pixels: of round candidates (steps of 1, 2 or 5 times a power of
/// ten; on a log axis also 1-2-5 and 1-1.5-2-3-5-7 sequences per decade), the one with
/// most ticks that keeps them apart.
pub fn tick_rule(lo: f64, hi: f64, log: bool, len: f64, gap: f64) -> Option<TickRule> {
    if lo >= hi || !lo.is_finite() || !hi.is_finite() || (log && lo <= 0.0) {
        return None;
    }
    let mut candidates: Vec<TickRule> = Vec::new();
    if log {
        for mantissas in [
            &[1.0][..],
            &[1.0, 2.0, 5.0],
            &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        ] {
            candidates.push(TickRule::Decades(mantissas));
        }
    }
    let top = (hi - lo).log10().ceil() as i32;
    for k in (top - 4..=top).rev() {
        for m in [5.0, 2.0, 1.0] {
            candidates.push(TickRule::Step(m * 10f64.powi(k)));
        }
    }
    let apart = |set: &[f64]| {
        set.windows(2)
            .all(|w| place(w[1], lo, hi, log, len) - place(w[0], lo, hi, log, len) >= gap)
    };
    // The first of the densest sets: a log axis prefers its per-decade sequences.
    candidates
        .into_iter()
        .map(|r| {
            let set = r.within(lo, hi);
            (r, set)
        })
        .filter(|(_, s)| !s.is_empty() && apart(s))
        .rev()
        .max_by_key(|(_, s)| s.len())
        .map(|(r, _)| r)
}

/// The ticks of [`tick_rule`].
pub fn ticks(lo: f64, hi: f64, log: bool, len: f64, gap: f64) -> Vec<f64> {
    tick_rule(lo, hi, log, len, gap).map_or_else(Vec::new, |r| r.within(lo, hi))
}

/// A float without the noise of its binary form (0.30000000000000004 → 0.3).
fn round_to(v: f64) -> f64 {
    format!("{v:.10e}").parse().unwrap_or(v)
}

/// A tick's label: the fewest decimals (up to three) that write it exactly.
pub fn tick_label(v: f64) -> String {
    for d in 0..=3 {
        let s = format!("{v:.d$}");
        if (s.parse::<f64>().unwrap_or(f64::NAN) - v).abs() <= v.abs() * 1e-9 + 1e-12 {
            return s;
        }
    }
    format!("{v:.3}")
}

/// The stretches of a ratio axis: one, or more where the intervals fall into groups with
/// a gap between them of more than a factor of 3, or of 1.5 that would take more than 40%
/// of a single log axis over the group it splits (memfd near 8× among rows at 1.0-1.4×),
/// splitting again only the group that holds 1 (a runtime at 0.1× on one side, copies at
/// 8× on the other). At most [`MAX_STRETCHES`]. Each stretch is padded on a log scale and at least a factor of
/// `min_span` wide.
pub fn ratio_stretches(intervals: &[[f64; 2]], min_span: f64) -> Vec<[f64; 2]> {
    let mut ivs: Vec<[f64; 2]> = intervals
        .iter()
        .filter(|i| i[0] > 0.0 && i[1] >= i[0] && i[1].is_finite())
        .copied()
        .chain(std::iter::once([1.0, 1.0]))
        .collect();
    ivs.sort_by(|a, b| a[0].total_cmp(&b[0]));
    // Overlapping intervals form one cluster.
    let mut clusters: Vec<[f64; 2]> = Vec::new();
    for iv in ivs {
        match clusters.last_mut() {
            Some(c) if iv[0] <= c[1] => c[1] = c[1].max(iv[1]),
            _ => clusters.push(iv),
        }
    }
    // Parts as ranges of clusters; split the part with the widest qualifying gap, again.
    let mut parts: Vec<(usize, usize)> = vec![(0, clusters.len() - 1)];
    while parts.len() < MAX_STRETCHES {
        let best = parts
            .iter()
            .enumerate()
            // Only the part that holds 1 splits again: the rows near the reference are
            // the ones that need the room; far groups share a stretch.
            .filter(|(_, &(a, b))| clusters[a][0] <= 1.0 && 1.0 <= clusters[b][1])
            .filter_map(|(k, &(a, b))| {
                let total = (clusters[b][1] / clusters[a][0]).ln();
                (a..b)
                    .map(|i| (k, i, (clusters[i + 1][0] / clusters[i][1]).ln()))
                    .filter(|&(_, _, gap)| {
                        gap > 1.5f64.ln() && (gap > total * 0.4 || gap > 3f64.ln())
                    })
                    .max_by(|x, y| x.2.total_cmp(&y.2))
            })
            .max_by(|x, y| x.2.total_cmp(&y.2));
        let Some((k, i, _)) = best else { break };
        let (a, b) = parts[k];
        parts.splice(k..=k, [(a, i), (i + 1, b)]);
    }
    parts
        .into_iter()
        .map(|(a, b)| {
            let (a, b) = (clusters[a][0], clusters[b][1]);
            let span = (b / a).ln().max(min_span.ln());
            let mid = (a * b).sqrt().ln();
            let half = span / 2.0 * 1.12;
            [(mid - half).exp(), (mid + half).exp()]
        })
        .collect()
}

/// The most stretches a ratio axis breaks into.
pub const MAX_STRETCHES: usize = 3;

/// The largest font size, from `size` down to `min` in half points, at which `text` is
/// at most `width` pixels wide (`min` when none is).
pub fn fit(text: &str, width: f64, size: f64, min: f64) -> f64 {
    let mut s = size;
    while s > min {
        if text_width(text, s) <= width {
            return s;
        }
        s -= 0.5;
    }
    min
}

/// The width in pixels of `text` in the bundled font at `size`.
pub fn text_width(text: &str, size: f64) -> f64 {
    super::font::register();
    let font: FontDesc = (FAMILY, size).into_font();
    font.box_size(text)
        .map_or(text.len() as f64 * size * 0.6, |(w, _)| f64::from(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_plotters_cannot_step_through_are_refused() {
        assert_eq!(log(0.5, 200.0).unwrap(), 0.5..200.0);
        assert_eq!(linear(0.0, 3.0).unwrap(), 0.0..3.0);
        for (lo, hi) in [
            (1e-300, 1e300),
            (1.0, f64::INFINITY),
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (2.0, 1.0),
        ] {
            assert!(log(lo, hi).is_err(), "{lo} {hi}");
            assert!(Keyed::new(lo..hi, true, vec![]).is_err(), "{lo} {hi}");
        }
        assert!(linear(-1e308, 1e308).is_err());
        assert!(linear(0.0, f64::INFINITY).is_err());
        let e = log(1e-300, 1e300).unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot draw a log axis from 1e-300 to 1e300: more than 30 decades"
        );
    }

    #[test]
    fn ticks_are_round_and_apart() {
        // A ratio axis from 0.95 to 1.5 on 500 px: steps of 0.1.
        let t = ticks(0.95, 1.5, true, 500.0, 45.0);
        assert_eq!(t, vec![1.0, 1.1, 1.2, 1.3, 1.4, 1.5]);
        // 5.5 to 21 on a log axis of 400 px: a per-decade sequence, not 6, 8, …, 20.
        let t = ticks(5.5, 21.0, true, 400.0, 45.0);
        assert!(t.contains(&10.0) && t.contains(&20.0), "{t:?}");
        for w in t.windows(2) {
            let d = place(w[1], 5.5, 21.0, true, 400.0) - place(w[0], 5.5, 21.0, true, 400.0);
            assert!(d >= 45.0, "{t:?}");
        }
        // Linear, 0 to 12 ms on 300 px, 28 px apart: every 2.
        assert_eq!(
            ticks(0.0, 12.0, false, 300.0, 28.0),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
        );
        // A narrow stretch still gets two ticks.
        assert!(ticks(7.6, 9.4, true, 150.0, 45.0).len() >= 2);
        assert!(ticks(1.0, 1.0, true, 100.0, 10.0).is_empty());
    }

    #[test]
    fn tick_labels_are_as_short_as_exact() {
        assert_eq!(tick_label(1.0), "1");
        assert_eq!(tick_label(1.1), "1.1");
        assert_eq!(tick_label(0.25), "0.25");
        assert_eq!(tick_label(1000.0), "1000");
        assert_eq!(tick_label(round_to(0.1 + 0.2)), "0.3");
    }

    /// memfd near 8× among rows at 1.0-1.4×: the axis breaks between them; rows only at
    /// 1.0-1.4× keep one axis; every interval lies inside a stretch.
    #[test]
    fn ratio_axis_breaks_at_a_wide_gap_only() {
        let exec_true = [
            [1.0, 1.0],
            [8.097, 8.3],
            [0.998, 1.028],
            [1.112, 1.147],
            [8.612, 8.843],
            [1.4, 1.439],
        ];
        let s = ratio_stretches(&exec_true, 1.25);
        assert_eq!(s.len(), 2, "{s:?}");
        for iv in exec_true {
            assert!(
                s.iter().any(|st| st[0] < iv[0] && iv[1] < st[1]),
                "{iv:?} outside {s:?}"
            );
        }
        assert!(s[0][1] < 2.0 && s[1][0] > 6.0, "{s:?}");
        // full-start: memfd at 2.1× (1.96-2.36) among rows at 0.95-1.05.
        let full = [[0.955, 1.019], [1.962, 2.361], [0.947, 1.004]];
        assert_eq!(ratio_stretches(&full, 1.25).len(), 2);
        // Runtime peers far out (15-20×) stay inside the far stretch.
        let peers = [
            [0.97, 1.35],
            [5.68, 6.3],
            [7.5, 7.69],
            [15.0, 15.98],
            [18.77, 19.71],
        ];
        let s = ratio_stretches(&peers, 1.25);
        assert_eq!(s.len(), 2);
        assert!(s[1][1] > 19.71 && s[1][0] < 5.68, "{s:?}");
        // A runtime at 40× and one at 0.1× beside these: three stretches, 1.0-1.4× alone.
        let mut odd = exec_true.to_vec();
        odd.extend([[41.8, 42.0], [0.1, 0.1]]);
        let s = ratio_stretches(&odd, 1.25);
        assert_eq!(s.len(), 3, "{s:?}");
        assert!(s[1][0] < 0.998 && s[1][1] > 1.439 && s[1][1] < 2.0, "{s:?}");
        for w in s.windows(2) {
            assert!(w[0][1] < w[1][0], "{s:?}");
        }
        // runc builds against one of them: crun at 0.48× (0.44-0.55) among rows at
        // 0.92-1.91×, a gap of a third of the axis: one axis holds it well enough.
        let builds = [[0.919, 1.04], [0.436, 0.554], [1.091, 1.369], [1.661, 1.91]];
        assert_eq!(ratio_stretches(&builds, 1.25).len(), 1);
        // No wide gap, one axis.
        let near = [[0.99, 1.03], [1.08, 1.12], [1.2, 1.45]];
        let s = ratio_stretches(&near, 1.25);
        assert_eq!(s.len(), 1);
        assert!(s[0][0] < 0.99 && s[0][1] > 1.45);
    }

    #[test]
    fn fit_shrinks_a_long_line_until_it_fits() {
        let long = "container-start: ratio to noclone, 95% CI, log axis · kernel \
                    6.18.44-fc-v669 · 2 CPUs · exe 12.0 MiB · 348 rounds";
        let s = fit(long, 900.0, 20.0, 9.0);
        assert!((9.0..20.0).contains(&s));
        assert!(text_width(long, s) <= 900.0);
        assert_eq!(fit("short", 900.0, 20.0, 9.0), 20.0);
    }
}
