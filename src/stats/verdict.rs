//! What a ratio's interval says, in one word a benchstat user reads right. benchstat prints
//! `~` when its test finds no significant difference; so does sealbench, when the interval
//! holds 1. Being *equivalent* within ±ε (ε = 1% by default) is a different, stronger
//! claim with its own word, `same`. `slower` and `faster` need the whole interval past
//! ±ε, and `small` names a difference that is real (the interval excludes 1) but not shown
//! to reach ε.
//!
//! The word is read off the interval's position against 1 and against ±ε only, never off
//! the estimate, so that more data (a narrower interval around the same estimate) can only
//! settle a verdict, never undo one: holding 1, lying inside ±ε and clearing ±ε each stay
//! as they are once an interval shrinks inside another.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The default ε: a difference below 1% is no difference worth naming.
pub const EQUIVALENCE: f64 = 0.01;

/// The serde words are the JSON's: `unclear`, `same`, `slower` and `faster` are those
/// files written before `small` existed, and every old file loads (a loaded row's verdict is
/// made again by the analysis anyway).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// `~`: the interval holds 1 and reaches past ±ε: no difference these data can tell.
    #[serde(rename = "unclear")]
    NoDifference,
    /// The whole interval lies within ±ε: any difference is smaller than ε.
    Same,
    /// The interval excludes 1 but reaches inside ±ε: a difference, not shown to matter.
    Small,
    /// The whole interval lies above 1 + ε.
    Slower,
    /// The whole interval lies below 1 − ε.
    Faster,
}

impl Verdict {
    /// The verdict at the default ε of 1%.
    pub fn of(ci95: [f64; 2]) -> Verdict {
        Verdict::within(ci95, EQUIVALENCE)
    }

    /// The verdict of the interval `[lo, hi]` of a ratio, at equivalence margin ±`epsilon`.
    pub fn within([lo, hi]: [f64; 2], epsilon: f64) -> Verdict {
        if lo > 1.0 + epsilon {
            Verdict::Slower
        } else if hi < 1.0 - epsilon {
            Verdict::Faster
        } else if lo >= 1.0 - epsilon && hi <= 1.0 + epsilon {
            Verdict::Same
        } else if lo > 1.0 || hi < 1.0 {
            Verdict::Small
        } else {
            Verdict::NoDifference
        }
    }

    /// How settled a verdict is: `~` least, then `small`, then the final words. More data
    /// around the same estimate never lowers it.
    pub fn settledness(self) -> u8 {
        match self {
            Verdict::NoDifference => 0,
            Verdict::Small => 1,
            Verdict::Same | Verdict::Slower | Verdict::Faster => 2,
        }
    }

    /// The mark printed beside a ratio.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::NoDifference => "~",
            Verdict::Same => "same",
            Verdict::Small => "small",
            Verdict::Slower => "slower",
            Verdict::Faster => "faster",
        }
    }

    /// What the mark means, at margin ±`epsilon`, for a legend.
    pub fn meaning(self, epsilon: f64) -> String {
        let e = format!("±{}%", 100.0 * epsilon);
        match self {
            Verdict::NoDifference => {
                "the interval holds 1: no difference these data can tell".into()
            }
            Verdict::Same => format!("the interval lies within {e}: any difference is smaller"),
            Verdict::Small => {
                format!("a difference (the interval excludes 1) not shown to pass {e}")
            }
            Verdict::Slower => format!("the whole interval is above +{}%", 100.0 * epsilon),
            Verdict::Faster => format!("the whole interval is below −{}%", 100.0 * epsilon),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mark())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_interval() {
        assert_eq!(Verdict::of([0.995, 1.008]), Verdict::Same);
        assert_eq!(Verdict::of([1.002, 1.008]), Verdict::Same);
        assert_eq!(Verdict::of([1.02, 1.05]), Verdict::Slower);
        assert_eq!(Verdict::of([0.5, 0.7]), Verdict::Faster);
        assert_eq!(Verdict::of([0.98, 1.03]), Verdict::NoDifference);
        // The pair: 1.006 (1.001–1.011) and 1.006 (1.001–1.009) are both a real
        // difference, neither shown to pass 1%; the narrower one is also within it.
        assert_eq!(Verdict::of([1.001, 1.011]), Verdict::Small);
        assert_eq!(Verdict::of([1.001, 1.009]), Verdict::Same);
        assert_eq!(Verdict::of([0.97, 0.999]), Verdict::Small);
        assert_eq!(Verdict::within([1.02, 1.05], 0.03), Verdict::Small);
        assert_eq!(Verdict::within([0.99, 1.02], 0.03), Verdict::Same);
    }

    /// Same estimate, intervals shrinking around it: the verdict only ever settles. In
    /// particular `slower` never turns back into `~` or `small`, which the old rule did
    /// (1.006 (1.001–1.011) read `slower`, 1.006 (1.001–1.009) read `~`).
    #[test]
    fn more_data_around_the_same_estimate_never_undoes_a_verdict() {
        let mut checked = 0;
        for e in 0..=400 {
            let estimate = 0.96 + 0.0002 * f64::from(e);
            for skew in [0.5, 1.0, 2.0] {
                let mut last: Option<Verdict> = None;
                for step in 0..200 {
                    // Log half-width from 6% down to nearly nothing; skewed intervals too.
                    let half = 0.06 * 0.97f64.powi(step);
                    let ci = [estimate * (-half * skew).exp(), estimate * half.exp()];
                    let v = Verdict::of(ci);
                    if let Some(prev) = last {
                        assert!(
                            v.settledness() >= prev.settledness(),
                            "{estimate}: {prev} then {v} at {ci:?}"
                        );
                        if prev.settledness() == 2 {
                            assert_eq!(v, prev, "{estimate}: a final verdict changed at {ci:?}");
                        }
                    }
                    last = Some(v);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 401 * 3 * 200);
        // And the sequence the brief names, for one estimate: ~ → small → slower.
        let seq: Vec<&str> = [0.03, 0.01, 0.003]
            .iter()
            .map(|h: &f64| Verdict::of([1.015 * (-h).exp(), 1.015 * h.exp()]).mark())
            .collect();
        assert_eq!(seq, ["~", "small", "slower"]);
    }

    #[test]
    fn old_files_words_load_and_new_ones_round_trip() {
        for (word, v) in [
            ("\"same\"", Verdict::Same),
            ("\"slower\"", Verdict::Slower),
            ("\"faster\"", Verdict::Faster),
            ("\"unclear\"", Verdict::NoDifference),
            ("\"small\"", Verdict::Small),
        ] {
            assert_eq!(serde_json::from_str::<Verdict>(word).unwrap(), v);
            assert_eq!(serde_json::to_string(&v).unwrap(), word);
        }
        assert_eq!(Verdict::NoDifference.to_string(), "~");
    }
}
