//! Outliers classified as criterion classifies them: by Tukey's fences on the interquartile
//! range, mild beyond 1.5 IQR, severe beyond 3 IQR. They are counted, never dropped: the
//! medians and their intervals are robust to them, and a start that took long is a start
//! a runtime pays for too.

use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, OrderStatistics};

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Outliers {
    pub low_severe: u32,
    pub low_mild: u32,
    pub high_mild: u32,
    pub high_severe: u32,
}

impl Outliers {
    pub fn of(xs: &[f64]) -> Outliers {
        let mut out = Outliers::default();
        if xs.len() < 4 {
            return out;
        }
        let mut d = Data::new(xs.to_vec());
        let (q1, q3) = (d.lower_quartile(), d.upper_quartile());
        let iqr = q3 - q1;
        for &x in xs {
            if x < q1 - 3.0 * iqr {
                out.low_severe += 1;
            } else if x < q1 - 1.5 * iqr {
                out.low_mild += 1;
            } else if x > q3 + 3.0 * iqr {
                out.high_severe += 1;
            } else if x > q3 + 1.5 * iqr {
                out.high_mild += 1;
            }
        }
        out
    }

    pub fn mild(&self) -> u32 {
        self.low_mild + self.high_mild
    }

    pub fn severe(&self) -> u32 {
        self.low_severe + self.high_severe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_fences() {
        // Quartiles of 1..=100 are about 25.75 and 75.25, IQR 49.5.
        let mut xs: Vec<f64> = (1..=100).map(f64::from).collect();
        xs.push(75.25 + 1.5 * 49.5 + 5.0); // mild high
        xs.push(75.25 + 3.0 * 49.5 + 50.0); // severe high
        xs.push(-200.0); // severe low
        let o = Outliers::of(&xs);
        assert_eq!(
            (o.low_severe, o.low_mild, o.high_mild, o.high_severe),
            (1, 0, 1, 1)
        );
        assert_eq!(Outliers::of(&[1.0; 20]), Outliers::default());
    }
}
