use super::axis::{self, place};
use super::palette::{self, Colors};
use super::{font::FAMILY, panel, DrawError, Drawn};
use crate::results::{Data, Entry, Results};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The picture a maintainer pastes into a pull request: per workload, every row's ratio to
/// the reference with its 95% CI on a log axis, a line at 1, and the ratio written beside
/// each row, rows in the results' order from the top. Where the rows fall into a group
/// near 1 and one far from it (the copies near 8× among rows at 1.0-1.4×), the axis
/// breaks between the two, so that a 5% difference near 1 is as wide as it deserves.
/// Where rows carry `data`, a filled point is a row whose image has pages of its own and
/// a hollow one a row that shares the host binary's, so cost and protection read together.
pub struct Ratios<'a> {
    pub results: &'a Results,
    pub reference: &'a str,
}

/// One stretch of a ratio axis: the ratios `lo` to `hi` drawn from pixel `x0` to `x1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stretch {
    pub lo: f64,
    pub hi: f64,
    pub x0: f64,
    pub x1: f64,
    pub ticks: Vec<f64>,
}

impl Stretch {
    pub fn x(&self, v: f64) -> f64 {
        s_x(self.lo, self.hi, self.x0, self.x1, v)
    }

    fn holds(&self, v: f64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

/// Pixels between the stretches of a broken axis, and the least room between two ticks.
const BREAK: f64 = 22.0;
const TICK_GAP: f64 = 42.0;
/// How far (pixels) a row may lie past the outermost tick.
const OVERHANG: f64 = 10.0;

/// The stretches of the ratio axis for these intervals, laid out from `x0` to `x1` (see
/// [`axis::ratio_stretches`]): of several, the one that holds 1 gets 45-72% of the width by
/// the share of its log span, the others the rest by theirs, each at least 70 px.
pub fn stretches(intervals: &[[f64; 2]], x0: f64, x1: f64) -> Vec<Stretch> {
    let parts = axis::ratio_stretches(intervals, 1.25);
    let n = parts.len();
    let spans: Vec<f64> = parts.iter().map(|p| (p[1] / p[0]).ln()).collect();
    let room = x1 - x0 - BREAK * (n as f64 - 1.0);
    let near = parts
        .iter()
        .position(|p| p[0] <= 1.0 && 1.0 <= p[1])
        .unwrap_or(0);
    let widths: Vec<f64> = if n > 1 {
        let total: f64 = spans.iter().sum();
        let w_near = room * (spans[near] / total).clamp(0.45, 0.72);
        let others = total - spans[near];
        let raw: Vec<f64> = (0..n)
            .map(|i| (room - w_near) * spans[i] / others)
            .map(|w| w.max(70.0))
            .collect();
        let scale = (room - w_near) / (0..n).filter(|&i| i != near).map(|i| raw[i]).sum::<f64>();
        let mut widths: Vec<f64> = (0..n)
            .map(|i| {
                if i == near {
                    w_near
                } else {
                    (raw[i] * scale).max(70.0)
                }
            })
            .collect();
        // What the floors took comes out of the stretch near 1.
        let over: f64 = widths.iter().sum::<f64>() - room;
        widths[near] -= over;
        widths
    } else {
        vec![room]
    };
    let mut x = x0;
    let mut out: Vec<Stretch> = Vec::new();
    for (k, (p, w)) in parts.iter().zip(widths).enumerate() {
        // The rows' extent in this stretch, which the ticks should enclose; widened no
        // further than the next stretch's rows.
        let inside = intervals
            .iter()
            .flatten()
            .chain([&1.0])
            .filter(|v| p[0] <= **v && **v <= p[1]);
        let (dmin, dmax) = inside.fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let floor = if k > 0 { parts[k - 1][1] } else { 0.0 };
        let ceiling = parts.get(k + 1).map_or(f64::INFINITY, |q| q[0]);
        let (lo, hi, ticks) = enclosing(p[0], p[1], dmin, dmax, w, floor, ceiling);
        out.push(Stretch {
            lo,
            hi,
            x0: x,
            x1: x + w,
            ticks,
        });
        x += w + BREAK;
    }
    // Across each break, two labels as far apart as any two: the stretch farther from 1
    // gives way, unless that would leave it no tick at all.
    for i in 0..n.saturating_sub(1) {
        let (l, r) = (
            out[i].ticks.last().copied(),
            out[i + 1].ticks.first().copied(),
        );
        if let (Some(l), Some(r)) = (l, r) {
            if out[i + 1].x(r) - out[i].x(l) < TICK_GAP {
                let right_gives =
                    (i + 1 > near && out[i + 1].ticks.len() > 1) || out[i].ticks.len() == 1;
                if right_gives && out[i + 1].ticks.len() > 1 {
                    out[i + 1].ticks.remove(0);
                } else if out[i].ticks.len() > 1 {
                    out[i].ticks.pop();
                }
            }
        }
    }
    out
}

/// A stretch from `lo` to `hi`, `w` pixels wide, widened to the round ticks just outside
/// the rows' extent `dmin`-`dmax` (so that no row lies past the last tick), its ends a few
/// pixels beyond them; and its ticks.
fn enclosing(
    lo: f64,
    hi: f64,
    dmin: f64,
    dmax: f64,
    w: f64,
    floor: f64,
    ceiling: f64,
) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = (lo, hi);
    // Widening can make a rule too dense for the width: then again with a sparser one.
    for _ in 0..4 {
        let Some(rule) = axis::tick_rule(lo, hi, true, w, TICK_GAP) else {
            break;
        };
        let per_px = (hi / lo).ln() / w;
        let px = |a: f64, b: f64| (b / a).ln() / per_px;
        let margin = (14.0 * per_px).exp();
        let inner = rule.within(lo, hi);
        // A row within a few pixels of the outermost tick is enclosed well enough.
        let (first, last) = (inner.first().copied(), inner.last().copied());
        if last.is_none_or(|t| px(t, dmax) > OVERHANG) {
            if let Some(&next) = rule.within(dmax, dmax * 10.0).first() {
                hi = hi.max((next * margin).min(ceiling));
            }
        }
        if first.is_none_or(|t| px(dmin, t) > OVERHANG) {
            if let Some(&prev) = rule.within(dmin / 10.0, dmin).last() {
                lo = lo.min((prev / margin).max(floor));
            }
        }
        let ticks = rule.within(lo, hi);
        let apart = ticks
            .windows(2)
            .all(|t| place(t[1], lo, hi, true, w) - place(t[0], lo, hi, true, w) >= TICK_GAP);
        if apart {
            return (lo, hi, ticks);
        }
    }
    (lo, hi, axis::ticks(lo, hi, true, w, TICK_GAP))
}

fn s_x(lo: f64, hi: f64, x0: f64, x1: f64, v: f64) -> f64 {
    x0 + place(v, lo, hi, true, x1 - x0)
}

fn x_of(stretches: &[Stretch], v: f64) -> Option<f64> {
    stretches.iter().find(|s| s.holds(v)).map(|s| s.x(v))
}

/// How a row's point is drawn: filled (its image has pages of its own), hollow (it
/// shares the host binary's), square (not observed, in a chart where others were).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    Own,
    Shared,
    Unobserved,
}

fn mark(r: &Entry, any_data: bool) -> Mark {
    match r.data {
        Some(Data::Independent) => Mark::Own,
        Some(Data::Shared) => Mark::Shared,
        None if any_data => Mark::Unobserved,
        None => Mark::Own,
    }
}

fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    m: Mark,
    color: RGBColor,
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    let ink = palette::ink(color);
    match m {
        Mark::Own => {
            area.draw(&Circle::new(at, 6, color.filled())).map_err(e)?;
            area.draw(&Circle::new(at, 6, ink.stroke_width(1)))
                .map_err(e)?;
        }
        Mark::Shared => {
            area.draw(&Circle::new(at, 5, WHITE.filled())).map_err(e)?;
            area.draw(&Circle::new(at, 5, ink.stroke_width(3)))
                .map_err(e)?;
        }
        Mark::Unobserved => {
            let (x, y) = at;
            area.draw(&Rectangle::new(
                [(x - 5, y - 5), (x + 5, y + 5)],
                color.filled(),
            ))
            .map_err(e)?;
            area.draw(&Rectangle::new(
                [(x - 5, y - 5), (x + 5, y + 5)],
                ink.stroke_width(2),
            ))
            .map_err(e)?;
        }
    }
    Ok(())
}

impl super::Chart for Ratios<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let (results, reference) = (self.results, self.reference);
        let colors = Colors::of_results(results);
        let any_data = results.results.iter().any(|r| r.data.is_some());
        panel::each_workload(root, results, |area, w, rows, _| {
            let rows: Vec<&Entry> = rows
                .iter()
                .filter(|r| r.analysis.ratio.is_some())
                .copied()
                .collect();
            if rows.is_empty() {
                return Ok(());
            }
            draw_panel(area, results, w, reference, &rows, &colors, any_data)
        })
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    results: &Results,
    workload: &str,
    reference: &str,
    rows: &[&Entry],
    colors: &Colors,
    any_data: bool,
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    let intervals: Vec<[f64; 2]> = rows
        .iter()
        .filter_map(|r| r.analysis.ratio.as_ref().map(|q| q.ci95))
        .collect();
    let (main, sub) = panel::title(
        results,
        workload,
        &format!("each row's median over {reference}'s, with its 95% CI"),
    );
    let area = panel::header(area, &main, &sub)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let names: Vec<String> = rows.iter().map(|r| r.strategy.clone()).collect();
    let texts: Vec<String> = rows
        .iter()
        .map(|r| {
            let q = r.analysis.ratio.as_ref().expect("rows with a ratio");
            if r.strategy == reference {
                "reference".to_string()
            } else {
                let verdict = q.verdict.map(|v| format!("  {v}")).unwrap_or_default();
                format!("{}{verdict}", crate::output::ratio_text(q))
            }
        })
        .collect();
    let label_w = names
        .iter()
        .map(|n| axis::text_width(n, 15.0))
        .fold(60.0, f64::max)
        + 18.0;
    let text_w = texts
        .iter()
        .map(|t| axis::text_width(t, 14.0))
        .fold(120.0, f64::max)
        .min(w * 0.34)
        + 20.0;
    let legend_h = if any_data { 26.0 } else { 0.0 };
    let (y0, y1) = (4.0, h - 50.0 - legend_h);
    let (x0, x1) = (label_w + 10.0, w - text_w - 10.0);
    let stretches = stretches(&intervals, x0, x1);
    for s in &stretches {
        axis::log(s.lo, s.hi)?;
    }
    let row_h = (y1 - y0) / rows.len() as f64;
    let y_of = |i: usize| (y0 + (i as f64 + 0.5) * row_h) as i32;

    // Alternate rows shaded, from the name to the printed ratio, to lead the eye along.
    for i in (1..rows.len()).step_by(2) {
        let top = (y0 + i as f64 * row_h) as i32;
        area.draw(&Rectangle::new(
            [
                (8, top),
                (w as i32 - 8, (y0 + (i + 1) as f64 * row_h) as i32),
            ],
            RGBColor(0xF2, 0xF2, 0xF2).filled(),
        ))
        .map_err(e)?;
    }
    // Each stretch: grid lines and labels at its ticks, its stretch of the axis line.
    let grid = RGBColor(0xC8, 0xC8, 0xC8).stroke_width(1);
    let tick_style =
        TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    let axis_y = y1 as i32;
    for s in &stretches {
        for &t in &s.ticks {
            let x = s.x(t) as i32;
            area.draw(&PathElement::new(vec![(x, y0 as i32), (x, axis_y)], grid))
                .map_err(e)?;
            area.draw(&PathElement::new(vec![(x, axis_y), (x, axis_y + 5)], BLACK))
                .map_err(e)?;
            area.draw(&Text::new(
                format!("{}×", axis::tick_label(t)),
                (x, axis_y + 8),
                tick_style.clone(),
            ))
            .map_err(e)?;
        }
        area.draw(&PathElement::new(
            vec![(s.x0 as i32, axis_y), (s.x1 as i32, axis_y)],
            BLACK.stroke_width(1),
        ))
        .map_err(e)?;
    }
    // The break: a pair of slanted strokes at each inner end of the axis.
    for pair in stretches.windows(2) {
        for x in [pair[0].x1, pair[1].x0] {
            let x = x as i32;
            for dx in [-3, 3] {
                area.draw(&PathElement::new(
                    vec![(x + dx - 3, axis_y + 3), (x + dx + 5, axis_y - 9)],
                    BLACK.stroke_width(2),
                ))
                .map_err(e)?;
            }
        }
    }
    // The line at 1.
    if let Some(x) = x_of(&stretches, 1.0) {
        area.draw(&PathElement::new(
            vec![(x as i32, y0 as i32), (x as i32, axis_y)],
            RGBColor(0x44, 0x44, 0x44).stroke_width(2),
        ))
        .map_err(e)?;
    }
    let desc = format!(
        "median over {reference}'s median, log scale{}",
        if stretches.len() > 1 {
            " (the axis breaks where no row lies)"
        } else {
            ""
        }
    );
    area.draw(&Text::new(
        desc,
        (((x0 + x1) / 2.0) as i32, axis_y + 28),
        TextStyle::from((FAMILY, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(e)?;

    let name_style =
        TextStyle::from((FAMILY, 15).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let text_style =
        TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, r) in rows.iter().enumerate() {
        let q = r.analysis.ratio.as_ref().expect("rows with a ratio");
        let y = y_of(i);
        let color = colors.get(&r.strategy);
        let ink = palette::ink(color);
        area.draw(&Text::new(
            names[i].clone(),
            (label_w as i32, y),
            name_style.clone(),
        ))
        .map_err(e)?;
        area.draw(&Text::new(
            texts[i].clone(),
            ((w - text_w) as i32 + 6, y),
            text_style.clone(),
        ))
        .map_err(e)?;
        let (Some(lo), Some(hi), Some(mid)) = (
            x_of(&stretches, q.ci95[0]),
            x_of(&stretches, q.ci95[1]),
            x_of(&stretches, q.value),
        ) else {
            continue;
        };
        let (lo, hi, mid) = (lo as i32, hi as i32, mid as i32);
        // The interval: a band in the row's colour, then the point, then the interval's
        // end caps on top, taller than the point, so that the point never hides them.
        if hi > lo {
            area.draw(&Rectangle::new(
                [(lo, y - 4), (hi, y + 4)],
                color.mix(0.6).filled(),
            ))
            .map_err(e)?;
            area.draw(&PathElement::new(
                vec![(lo, y), (hi, y)],
                ink.stroke_width(2),
            ))
            .map_err(e)?;
        }
        draw_mark(&area, (mid, y), mark(r, any_data), color)?;
        if r.strategy != reference {
            for x in [lo, hi] {
                area.draw(&PathElement::new(
                    vec![(x, y - 9), (x, y + 9)],
                    ink.stroke_width(2),
                ))
                .map_err(e)?;
            }
        }
    }
    if any_data {
        legend(
            &area,
            ((x0 + x1) / 2.0) as i32,
            (h - legend_h / 2.0 - 2.0) as i32,
            results
                .results
                .iter()
                .any(|r| r.data.is_none() && r.is_ok()),
        )?;
    }
    Ok(())
}

/// The key to the points: what filled, hollow and square mean.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    centre: i32,
    y: i32,
    unobserved: bool,
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    let mut entries = vec![
        (Mark::Own, "data independent: pages of its own"),
        (Mark::Shared, "data shared: the host binary's pages"),
    ];
    if unobserved {
        entries.push((Mark::Unobserved, "data not observed"));
    }
    let style = TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let widths: Vec<i32> = entries
        .iter()
        .map(|(_, t)| axis::text_width(t, 14.0) as i32 + 22)
        .collect();
    let total: i32 = widths.iter().sum::<i32>() + 24 * (entries.len() as i32 - 1);
    let mut x = centre - total / 2;
    for ((m, t), wd) in entries.iter().zip(widths) {
        draw_mark(area, (x + 6, y), *m, RGBColor(0x88, 0x88, 0x88))?;
        area.draw(&Text::new(t.to_string(), (x + 18, y), style.clone()))
            .map_err(e)?;
        x += wd + 24;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exec-true rows of results/workloads.json: copies near 8×, the rest 1.0-1.45×.
    const EXEC_TRUE: [[f64; 2]; 10] = [
        [1.0, 1.0],
        [8.097, 8.3],
        [0.998, 1.028],
        [1.112, 1.147],
        [1.084, 1.118],
        [8.612, 8.843],
        [1.014, 1.043],
        [1.4, 1.439],
        [1.083, 1.119],
        [1.021, 1.051],
    ];

    #[test]
    fn a_ratio_axis_reads_well_from_1_to_15() {
        let s = stretches(&EXEC_TRUE, 170.0, 750.0);
        assert_eq!(s.len(), 2, "{s:?}");
        // Every interval inside the axis, and 1.0 to 1.1 at least twice as wide as on
        // one log axis to 9× (25 px of these 580).
        for iv in EXEC_TRUE {
            for v in iv {
                let x = x_of(&s, v).unwrap_or_else(|| panic!("{v} off the axis {s:?}"));
                assert!((170.0..=750.0).contains(&x));
            }
        }
        let tenth = x_of(&s, 1.1).unwrap() - x_of(&s, 1.0).unwrap();
        assert!(tenth > 50.0, "1.0-1.1 is {tenth} px");
        // Ticks: 1 is one, and no two labels closer than TICK_GAP.
        assert!(s[0].ticks.contains(&1.0), "{:?}", s[0].ticks);
        for st in &s {
            assert!(st.ticks.len() >= 2, "{st:?}");
            for t in st.ticks.windows(2) {
                assert!(st.x(t[1]) - st.x(t[0]) >= TICK_GAP);
            }
        }
        // The ticks enclose the rows of each stretch: none lies past the last tick.
        for st in &s {
            let inside: Vec<f64> = EXEC_TRUE
                .iter()
                .flatten()
                .copied()
                .filter(|v| st.holds(*v))
                .collect();
            let (lo, hi) = (
                inside.iter().copied().fold(f64::MAX, f64::min),
                inside.iter().copied().fold(0.0, f64::max),
            );
            let past = |a: f64, b: f64| st.x(b) - st.x(a);
            assert!(past(lo, st.ticks[0]) <= OVERHANG, "{st:?}");
            assert!(past(*st.ticks.last().unwrap(), hi) <= OVERHANG, "{st:?}");
        }
        // Labels across the break as far apart as any two.
        let (l, r) = (s[0].x(*s[0].ticks.last().unwrap()), s[1].x(s[1].ticks[0]));
        assert!(r - l >= TICK_GAP);
        // The stretches do not overlap.
        assert!(s[0].x1 + BREAK <= s[1].x0 + 0.01);
        assert!(s[0].hi < s[1].lo);
    }

    #[test]
    fn peers_far_out_stay_inside_the_axis() {
        let mut ivs = EXEC_TRUE.to_vec();
        ivs.extend([[15.006, 15.983], [5.68, 6.3], [18.768, 19.706]]);
        let s = stretches(&ivs, 170.0, 750.0);
        for iv in &ivs {
            for v in iv {
                assert!(x_of(&s, *v).is_some(), "{v} off the axis {s:?}");
            }
        }
        let last = s.last().unwrap();
        assert!(last.ticks.last().unwrap() >= &19.706, "{last:?}");
    }

    /// A runtime 40 times slower and one 10 times faster: three stretches, and the rows
    /// at 1.0-1.4× keep their room.
    #[test]
    fn far_rows_on_both_sides_get_stretches_of_their_own() {
        let mut ivs = EXEC_TRUE.to_vec();
        ivs.extend([[41.8, 42.0], [0.1, 0.1]]);
        let s = stretches(&ivs, 170.0, 750.0);
        assert_eq!(s.len(), 3, "{s:?}");
        for iv in &ivs {
            for v in iv {
                assert!(x_of(&s, *v).is_some(), "{v} off the axis {s:?}");
            }
        }
        assert!(x_of(&s, 1.1).unwrap() - x_of(&s, 1.0).unwrap() > 40.0);
        for w in s.windows(2) {
            assert!(w[0].hi < w[1].lo && w[0].x1 < w[1].x0, "{s:?}");
            assert!(w[1].x(w[1].ticks[0]) - w[0].x(*w[0].ticks.last().unwrap()) >= TICK_GAP);
        }
        for st in &s {
            assert!(st.x1 - st.x0 >= 69.0 && !st.ticks.is_empty(), "{s:#?}");
        }
    }

    #[test]
    fn near_rows_alone_keep_one_axis() {
        let s = stretches(&EXEC_TRUE[2..5], 170.0, 750.0);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].x0, s[0].x1), (170.0, 750.0));
    }
}
