//! One colour per strategy in every chart, from colour-blind-safe palettes.
//!
//! A strategy's colour is fixed by its place in the registry (`strategies::registry()`):
//! the reference-by-default, noclone, is grey and the next nine take Paul Tol's "muted"
//! palette in order, so a strategy keeps its colour whatever else a chart shows and
//! whichever row is the reference. Every other row (a runtime, a renamed strategy) takes
//! a colour of Tol's "vibrant" palette, which the muted one does not use, chosen by a hash
//! of its name: the same name gets the same colour in every chart, unless two names of
//! one chart hash to the same colour (then the later name, in sorted order, takes the
//! next free one).

use plotters::style::RGBColor;
use std::collections::BTreeMap;

/// Paul Tol's "muted" scheme (https://personal.sron.nl/~pault/#sec:qualitative), after a
/// mid grey for the first strategy of the registry (the unprotected baseline).
pub const STRATEGY: [RGBColor; 10] = [
    RGBColor(0x77, 0x77, 0x77), // grey
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0xAA, 0x44, 0x99), // purple
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x99, 0x99, 0x33), // olive
];

/// Strategies past the tenth of the registry: Tol's "light" scheme, then round again.
const STRATEGY_MORE: [RGBColor; 6] = [
    RGBColor(0x77, 0xAA, 0xDD), // light blue
    RGBColor(0xEE, 0x88, 0x66), // orange
    RGBColor(0xFF, 0xAA, 0xBB), // pink
    RGBColor(0xBB, 0xCC, 0x33), // pear
    RGBColor(0xAA, 0xAA, 0x00), // olive
    RGBColor(0x44, 0xBB, 0x99), // mint
];

/// Runtimes and other rows: Tol's "vibrant" scheme without its grey, near-black, and
/// three of his colours the muted scheme lacks (a run of the runc-2026 experiment has
/// eight runtimes).
pub const OTHER: [RGBColor; 10] = [
    RGBColor(0xEE, 0x77, 0x33), // orange
    RGBColor(0x00, 0x77, 0xBB), // blue
    RGBColor(0xEE, 0x33, 0x77), // magenta
    RGBColor(0xCC, 0x33, 0x11), // red
    RGBColor(0x33, 0xBB, 0xEE), // cyan
    RGBColor(0x00, 0x99, 0x88), // teal
    RGBColor(0x22, 0x22, 0x22), // near-black
    RGBColor(0xDD, 0xAA, 0x33), // high-contrast yellow
    RGBColor(0xBB, 0xCC, 0x33), // pear
    RGBColor(0xFF, 0xAA, 0xBB), // pink
];

/// Categories that are not rows (phases of a start, hosts of a merge): Okabe and Ito's
/// scheme, which stays apart under every common colour-vision deficiency.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// The colour of a registered strategy, by its place in the registry.
pub fn strategy(name: &str) -> Option<RGBColor> {
    let i = strategies::registry()
        .iter()
        .position(|s| s.name() == name)?;
    Some(if i < STRATEGY.len() {
        STRATEGY[i]
    } else {
        STRATEGY_MORE[(i - STRATEGY.len()) % STRATEGY_MORE.len()]
    })
}

/// FNV-1a: a hash that is the same in every build and on every machine.
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The colours of the rows of one chart.
pub struct Colors(BTreeMap<String, RGBColor>);

impl Colors {
    /// `rows`: each row's name and whether it is a strategy (a runtime is not; a strategy
    /// row is looked up in the registry).
    pub fn of<'a>(rows: impl IntoIterator<Item = (&'a str, bool)>) -> Colors {
        let mut map = BTreeMap::new();
        let mut others = std::collections::BTreeSet::new();
        for (name, is_strategy) in rows {
            match is_strategy.then(|| strategy(name)).flatten() {
                Some(c) => {
                    map.insert(name.to_string(), c);
                }
                None => {
                    others.insert(name.to_string());
                }
            }
        }
        let mut taken = [false; OTHER.len()];
        for name in others {
            let first = (fnv1a(&name) % OTHER.len() as u64) as usize;
            // The name's own colour, or the next one no other name of this chart has
            // (round again once every colour is taken).
            let i = (0..OTHER.len())
                .map(|k| (first + k) % OTHER.len())
                .find(|&i| !taken[i])
                .unwrap_or(first);
            taken[i] = true;
            if taken.iter().all(|&t| t) {
                taken = [false; OTHER.len()];
            }
            map.insert(name, OTHER[i]);
        }
        Colors(map)
    }

    /// The colours of a results file's rows.
    pub fn of_results(results: &crate::results::Results) -> Colors {
        Colors::of(results.results.iter().map(|e| {
            (
                e.strategy.as_str(),
                e.kind == crate::results::Kind::Strategy,
            )
        }))
    }

    pub fn get(&self, name: &str) -> RGBColor {
        self.0.get(name).copied().unwrap_or(OTHER[6])
    }
}

/// A colour's relative luminance (WCAG), 0 for black to 1 for white.
pub fn luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// The colour darkened until it stands out on white (a contrast of at least 3:1, as
/// WCAG asks of graphics): for the outlines, whiskers and lines of the light colours.
pub fn ink(c: RGBColor) -> RGBColor {
    let mut c = c;
    while (1.05) / (luminance(c) + 0.05) < 3.0 {
        c = RGBColor(
            (f64::from(c.0) * 0.9) as u8,
            (f64::from(c.1) * 0.9) as u8,
            (f64::from(c.2) * 0.9) as u8,
        );
    }
    c
}

/// Whether a line in this colour needs a dark casing to stand out on white (sand, cyan):
/// drawn in [`ink`] it would look like another palette colour.
pub fn light(c: RGBColor) -> bool {
    luminance(c) > 0.4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_strategy_has_its_own_colour_in_every_chart() {
        let names: Vec<&str> = strategies::registry().iter().map(|s| s.name()).collect();
        let all = Colors::of(names.iter().map(|n| (*n, true)));
        let colours: std::collections::BTreeSet<(u8, u8, u8)> = names
            .iter()
            .map(|n| {
                let c = all.get(n);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(colours.len(), names.len(), "two strategies share a colour");
        // A chart of two of them, in another order, gives each the same colour.
        let two = Colors::of([(names[3], true), (names[1], true)]);
        assert_eq!(two.get(names[1]), all.get(names[1]));
        assert_eq!(two.get(names[3]), all.get(names[3]));
        assert_eq!(all.get(names[0]), STRATEGY[0]);
    }

    #[test]
    fn runtimes_keep_their_colour_by_name_and_stay_apart() {
        let a = Colors::of([("runc", false), ("crun", false), ("youki", false)]);
        let b = Colors::of([("youki", false), ("runc", false)]);
        assert_eq!(a.get("runc"), b.get("runc"));
        assert_eq!(a.get("youki"), b.get("youki"));
        let set: std::collections::BTreeSet<_> = ["runc", "crun", "youki"]
            .iter()
            .map(|n| {
                let c = a.get(n);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(set.len(), 3);
        // Up to ten runtimes of one chart all get colours of their own, none of them a
        // strategy's.
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let c = Colors::of(names.iter().map(|n| (*n, false)));
        let set: std::collections::BTreeSet<_> = names
            .iter()
            .map(|n| {
                let c = c.get(n);
                (c.0, c.1, c.2)
            })
            .collect();
        assert_eq!(set.len(), 10);
        for col in &OTHER {
            assert!(!STRATEGY.contains(col));
        }
        // A runtime named like a strategy is still a runtime.
        let first = strategies::registry()[1].name();
        let r = Colors::of([(first, false)]);
        assert!(OTHER.contains(&r.get(first)));
    }

    #[test]
    fn ink_stands_out_on_white() {
        for c in STRATEGY.iter().chain(&OTHER).chain(&OKABE_ITO) {
            let k = ink(*c);
            assert!(1.05 / (luminance(k) + 0.05) >= 3.0, "{c:?}");
        }
        // Dark colours are left as they are.
        assert_eq!(ink(STRATEGY[4]), STRATEGY[4]);
    }
}
