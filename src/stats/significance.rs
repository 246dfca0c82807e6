use statrs::stats_tests::mannwhitneyu::{mannwhitneyu, MannWhitneyUMethod};
use statrs::stats_tests::Alternative;

/// Two-sided Mann–Whitney U p-value: do the two strategies' start times differ?
pub fn mann_whitney_p(x: &[f64], y: &[f64]) -> Option<f64> {
    let method = MannWhitneyUMethod::AsymptoticInclContinuityCorrection;
    mannwhitneyu(x, y, method, Alternative::TwoSided)
        .ok()
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::mann_whitney_p;

    #[test]
    fn separates_shifted_samples_and_not_equal_ones() {
        let a: Vec<f64> = (0..40).map(|i| f64::from(i % 10)).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 20.0).collect();
        assert!(mann_whitney_p(&a, &b).unwrap() < 1e-6);
        assert!(mann_whitney_p(&a, &a).unwrap() > 0.9);
    }
}
