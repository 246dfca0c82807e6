use super::axis::{self, place};
use super::palette::OKABE_ITO;
use super::{font::FAMILY, panel, DrawError, Drawn};
use crate::results::{Entry, Phases, Results};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// "Where the time goes": per workload, one horizontal bar per row with phases, stacked
/// seal → spawn → run → reap → teardown (a typical start), in milliseconds, and beside
/// the bars the same phases as numbers, under a header that is the colour key.
pub struct PhaseBars<'a> {
    pub results: &'a Results,
}

/// Okabe and Ito's colours: seal orange, spawn sky blue, run blue, reap black, teardown
/// reddish purple. No red beside green, and reap, which is short, in the darkest.
pub const COLORS: [RGBColor; 5] = [
    OKABE_ITO[0],
    OKABE_ITO[1],
    OKABE_ITO[2],
    OKABE_ITO[3],
    OKABE_ITO[4],
];

/// A phase at least this long (seconds) is drawn at least [`MIN_PX`] wide: a reap of
/// 10 µs in a start of 8 ms is otherwise under a pixel.
pub const VISIBLE: f64 = 5e-6;
pub const MIN_PX: f64 = 2.0;

/// The pixel spans of a row's phases on a bar axis of `len` pixels from 0 to `widest`
/// seconds: each phase where its share puts it, but one of [`VISIBLE`] or more at least
/// [`MIN_PX`] wide (the phases after it move right by what it gained).
pub fn spans(phases: &[f64; 5], widest: f64, len: f64) -> [(f64, f64); 5] {
    let mut out = [(0.0, 0.0); 5];
    let mut x = 0.0;
    for (k, &p) in phases.iter().enumerate() {
        let mut w = place(p.max(0.0), 0.0, widest, false, len);
        if p >= VISIBLE {
            w = w.max(MIN_PX);
        }
        out[k] = (x, x + w);
        x += w;
    }
    out
}

impl super::Chart for PhaseBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn {
        let results = self.results;
        panel::each_workload(root, results, |area, w, rows, _| {
            let rows: Vec<&Entry> = rows
                .iter()
                .filter(|r| r.analysis.phases.is_some())
                .copied()
                .collect();
            if rows.is_empty() {
                return Ok(());
            }
            draw_panel(area, results, w, &rows)
        })
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    results: &Results,
    workload: &str,
    rows: &[&Entry],
) -> Drawn {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| DrawError::from(e.to_string());
    let (main, sub) = panel::title(
        results,
        workload,
        "where the time goes in a typical start (--phases)",
    );
    let sub = format!("{sub} · a phase of 5 µs or more is drawn at least 2 px wide");
    let area = panel::header(area, &main, &sub)?;
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (f64::from(w), f64::from(h));
    let label_w = rows
        .iter()
        .map(|r| axis::text_width(&r.strategy, 15.0))
        .fold(60.0, f64::max)
        + 18.0;
    // The table of numbers: one column per phase.
    let col_w = Phases::NAMES
        .iter()
        .map(|n| axis::text_width(n, 14.0) + 22.0)
        .fold(60.0, f64::max);
    let table_w = col_w * 5.0 + 16.0;
    let (x0, x1) = (label_w + 10.0, w - table_w - 16.0);
    let (y0, y1) = (30.0, h - 50.0);
    let row_h = (y1 - y0) / rows.len() as f64;
    let widest = rows
        .iter()
        .filter_map(|r| r.analysis.phases.map(|p| p.sum()))
        .fold(0.0f64, f64::max)
        * 1.04;
    if widest <= 0.0 {
        return Ok(());
    }
    axis::linear(0.0, widest * 1e3)?;
    let ticks = axis::ticks(0.0, widest * 1e3, false, x1 - x0, 50.0);
    let axis_y = y1 as i32;
    let grid = RGBColor(0xD8, 0xD8, 0xD8).stroke_width(1);
    let center = |v: VPos, hp: HPos, size: f64| {
        TextStyle::from((FAMILY, size).into_font()).pos(Pos::new(hp, v))
    };
    for &t in &ticks {
        let x = (x0 + place(t, 0.0, widest * 1e3, false, x1 - x0)) as i32;
        area.draw(&PathElement::new(vec![(x, y0 as i32), (x, axis_y)], grid))
            .map_err(e)?;
        area.draw(&PathElement::new(vec![(x, axis_y), (x, axis_y + 5)], BLACK))
            .map_err(e)?;
        area.draw(&Text::new(
            axis::tick_label(t),
            (x, axis_y + 8),
            center(VPos::Top, HPos::Center, 14.0),
        ))
        .map_err(e)?;
    }
    area.draw(&PathElement::new(
        vec![(x0 as i32, axis_y), (x1 as i32, axis_y)],
        BLACK,
    ))
    .map_err(e)?;
    area.draw(&PathElement::new(
        vec![(x0 as i32, y0 as i32), (x0 as i32, axis_y)],
        BLACK,
    ))
    .map_err(e)?;
    area.draw(&Text::new(
        "milliseconds per start".to_string(),
        (((x0 + x1) / 2.0) as i32, axis_y + 28),
        center(VPos::Top, HPos::Center, 15.0),
    ))
    .map_err(e)?;
    // The table's header: each phase's name over a bar of its colour, the key to the
    // bars (a bar across the column is unambiguous in any font).
    let table_x = w - table_w;
    for (k, name) in Phases::NAMES.iter().enumerate() {
        let right = (table_x + col_w * (k as f64 + 1.0)) as i32;
        let left = (table_x + col_w * k as f64) as i32 + 12;
        area.draw(&Text::new(
            name.to_string(),
            (right, 12),
            center(VPos::Center, HPos::Right, 14.0),
        ))
        .map_err(e)?;
        area.draw(&Rectangle::new(
            [(left, 21), (right, 26)],
            COLORS[k].filled(),
        ))
        .map_err(e)?;
    }
    area.draw(&Text::new(
        "ms per phase".to_string(),
        ((table_x + 4.0) as i32, 12),
        center(VPos::Center, HPos::Right, 13.0),
    ))
    .map_err(e)?;
    for (i, r) in rows.iter().enumerate() {
        let Some(p) = r.analysis.phases else { continue };
        let p = p.as_array();
        let (top, bottom) = (y0 + i as f64 * row_h, y0 + (i + 1) as f64 * row_h);
        let y = ((top + bottom) / 2.0) as i32;
        if i % 2 == 1 {
            area.draw(&Rectangle::new(
                [(8, top as i32), (w as i32 - 8, bottom as i32)],
                RGBColor(0xF2, 0xF2, 0xF2).filled(),
            ))
            .map_err(e)?;
        }
        area.draw(&Text::new(
            r.strategy.clone(),
            (label_w as i32, y),
            center(VPos::Center, HPos::Right, 15.0),
        ))
        .map_err(e)?;
        let pad = (row_h * 0.18).max(2.0);
        for (k, (a, b)) in spans(&p, widest, x1 - x0).iter().enumerate() {
            if b > a {
                area.draw(&Rectangle::new(
                    [
                        ((x0 + a).round() as i32, (top + pad) as i32),
                        ((x0 + b).round() as i32, (bottom - pad) as i32),
                    ],
                    COLORS[k].filled(),
                ))
                .map_err(e)?;
            }
            let right = (table_x + col_w * (k as f64 + 1.0)) as i32;
            area.draw(&Text::new(
                format!("{:.3}", p[k] * 1e3),
                (right, y),
                center(VPos::Center, HPos::Right, 14.0),
            ))
            .map_err(e)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reap of 10 µs in an 8 ms start is under a pixel of a 600 px bar: it is drawn
    /// 2 px wide, and the phases after it move right; a phase of nothing stays nothing.
    #[test]
    fn a_short_reap_is_visible() {
        let p = [5.6e-3, 0.19e-3, 0.94e-3, 10e-6, 1.56e-3];
        let s = spans(&p, 8.5e-3, 600.0);
        assert!(s[3].1 - s[3].0 >= MIN_PX, "{s:?}");
        assert!(s[4].0 >= s[3].1 && (s[4].0 - s[3].1).abs() < 1e-9);
        let honest = place(p[0], 0.0, 8.5e-3, false, 600.0);
        assert!(
            (s[0].1 - honest).abs() < 1e-9,
            "a long phase keeps its length"
        );
        let none = spans(&[1e-3, 0.0, 1e-3, 1e-7, 0.0], 2e-3, 600.0);
        assert_eq!(none[1].0, none[1].1);
        assert!(none[3].1 - none[3].0 < 1.0);
    }

    /// Seal and run are not red and green, and no two phases share a colour.
    #[test]
    fn phase_colours_are_apart() {
        let set: std::collections::BTreeSet<_> = COLORS.iter().map(|c| (c.0, c.1, c.2)).collect();
        assert_eq!(set.len(), 5);
        let (seal, run) = (COLORS[0], COLORS[2]);
        let reddish = |c: RGBColor| c.0 > 150 && c.1 < 100 && c.2 < 100;
        let greenish = |c: RGBColor| c.1 > 120 && c.0 < 100 && c.2 < 100;
        assert!(!(reddish(seal) && greenish(run) || greenish(seal) && reddish(run)));
    }
}
