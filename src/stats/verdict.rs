//! What a ratio's interval says, in one word, in the manner of benchstat's "~": instead of
//! a p-value from a test that ignores the pairing by round (Mann–Whitney contradicted the
//! paired interval), the row is read off the block-bootstrap interval of the ratio itself.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A difference below this is no difference worth naming (±1%).
pub const EQUIVALENCE: f64 = 0.01;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The whole interval lies within ±1% of 1: no difference that matters.
    Same,
    /// The whole interval lies above 1 (and not within ±1%).
    Slower,
    /// The whole interval lies below 1 (and not within ±1%).
    Faster,
    /// The interval holds 1 and reaches beyond ±1%: this run cannot tell.
    Unclear,
}

impl Verdict {
    pub fn of([lo, hi]: [f64; 2]) -> Verdict {
        if lo >= 1.0 - EQUIVALENCE && hi <= 1.0 + EQUIVALENCE {
            Verdict::Same
        } else if lo > 1.0 {
            Verdict::Slower
        } else if hi < 1.0 {
            Verdict::Faster
        } else {
            Verdict::Unclear
        }
    }

    /// The mark printed beside a ratio.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Same => "~",
            Verdict::Slower => "slower",
            Verdict::Faster => "faster",
            Verdict::Unclear => "?",
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
        assert_eq!(Verdict::of([0.98, 1.03]), Verdict::Unclear);
    }
}
