use statrs::statistics::{Data, OrderStatistics};

/// The modified z-score above which a run is flagged as an outlier (Iglewicz and Hoaglin).
pub const OUTLIER_Z: f64 = 3.5;

pub fn median(xs: &[f64]) -> f64 {
    Data::new(xs.to_vec()).median()
}

/// Median absolute deviation from the median (unscaled).
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

/// Modified z-score of every value: 0.6745 · (x − median) / MAD. With a MAD of zero (more
/// than half the runs identical) no value is scored as unusual.
pub fn modified_z(xs: &[f64]) -> Vec<f64> {
    if xs.is_empty() {
        return Vec::new();
    }
    let (m, d) = (median(xs), mad(xs));
    xs.iter()
        .map(|x| if d > 0.0 { 0.6745 * (x - m) / d } else { 0.0 })
        .collect()
}

/// Indices of the runs whose modified z-score exceeds [`OUTLIER_Z`]. They are reported,
/// never dropped.
pub fn outliers(xs: &[f64]) -> Vec<usize> {
    modified_z(xs)
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > OUTLIER_Z)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_of_fixed_samples() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        // |x − 2| = 1, 1, 0, 0, 4, 7 → median 1.
        assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 6.0, 9.0]), 1.0);
        assert_eq!(mad(&[2.0, 2.0, 2.0]), 0.0);
    }

    #[test]
    fn flags_the_far_values_only() {
        let mut xs: Vec<f64> = (0..50).map(|i| 1.0 + 0.01 * f64::from(i % 10)).collect();
        xs.push(1.5);
        xs.push(0.2);
        let flagged = outliers(&xs);
        assert_eq!(flagged, vec![50, 51], "{:?}", modified_z(&xs));
    }

    #[test]
    fn identical_runs_have_no_outliers() {
        assert!(outliers(&[1.0; 20]).is_empty());
        assert!(outliers(&[]).is_empty());
    }
}
