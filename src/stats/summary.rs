use statrs::statistics::{Data, OrderStatistics, Statistics};

/// The usual location and spread of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(xs: &[f64]) -> Option<Summary> {
        if xs.is_empty() {
            return None;
        }
        let stddev = if xs.len() > 1 { xs.std_dev() } else { 0.0 };
        Some(Summary {
            median: Data::new(xs.to_vec()).median(),
            mean: xs.mean(),
            stddev,
            min: Statistics::min(xs),
            max: Statistics::max(xs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_sample() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!(s.mean, 4.0);
        assert_eq!((s.min, s.max), (1.0, 10.0));
        assert!((s.stddev - 4.082483).abs() < 1e-6, "{}", s.stddev);
    }

    #[test]
    fn empty_has_no_summary() {
        assert!(Summary::of(&[]).is_none());
    }
}
