//! Percentile bootstrap confidence intervals, seeded so that a saved run's report is
//! reproduced exactly. statrs has no resampling, so this is the one hand-written estimator.

use super::robust::median;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::statistics::{Data, OrderStatistics};
use std::collections::BTreeMap;

pub const RESAMPLES: usize = 2000;

fn percentile_interval(mut estimates: Vec<f64>) -> [f64; 2] {
    estimates.retain(|x| x.is_finite());
    if estimates.is_empty() {
        return [f64::NAN, f64::NAN];
    }
    let mut d = Data::new(estimates);
    [d.quantile(0.025), d.quantile(0.975)]
}

/// 95% CI of the median of `xs`, by resampling runs.
pub fn median_ci(xs: &[f64], seed: u64) -> [f64; 2] {
    if xs.len() < 2 {
        let m = xs.first().copied().unwrap_or(f64::NAN);
        return [m, m];
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sample = vec![0.0; xs.len()];
    let estimates = (0..RESAMPLES)
        .map(|_| {
            for s in sample.iter_mut() {
                *s = xs[rng.random_range(0..xs.len())];
            }
            median(&sample)
        })
        .collect();
    percentile_interval(estimates)
}

/// Samples grouped by the interleaved round they ran in.
fn by_round(times: &[f64], rounds: &[u32]) -> BTreeMap<u32, Vec<f64>> {
    let mut map: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for (t, r) in times.iter().zip(rounds) {
        map.entry(*r).or_default().push(*t);
    }
    map
}

/// The ratio median(x) / median(reference) with a 95% CI from resampling whole rounds:
/// x and the reference ran interleaved, so a round's starts share the machine's state and
/// resampling them together keeps that pairing.
pub fn paired_ratio(
    x: (&[f64], &[u32]),
    reference: (&[f64], &[u32]),
    seed: u64,
) -> Option<(f64, [f64; 2])> {
    let xs = by_round(x.0, x.1);
    let rs = by_round(reference.0, reference.1);
    let pairs: Vec<(&Vec<f64>, &Vec<f64>)> = xs
        .iter()
        .filter_map(|(k, a)| rs.get(k).map(|b| (a, b)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let flat = |which: &dyn Fn(&(&Vec<f64>, &Vec<f64>)) -> Vec<f64>, picks: &[usize]| -> Vec<f64> {
        picks.iter().flat_map(|&i| which(&pairs[i])).collect()
    };
    let all: Vec<usize> = (0..pairs.len()).collect();
    let point = median(&flat(&|p| p.0.clone(), &all)) / median(&flat(&|p| p.1.clone(), &all));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picks = vec![0usize; pairs.len()];
    let estimates = (0..RESAMPLES)
        .map(|_| {
            for p in picks.iter_mut() {
                *p = rng.random_range(0..pairs.len());
            }
            median(&flat(&|p| p.0.clone(), &picks)) / median(&flat(&|p| p.1.clone(), &picks))
        })
        .collect();
    Some((point, percentile_interval(estimates)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, LogNormal};

    #[test]
    fn median_ci_brackets_the_sample_median() {
        let xs: Vec<f64> = (1..=101).map(f64::from).collect();
        let [lo, hi] = median_ci(&xs, 1);
        assert!(lo < 51.0 && 51.0 < hi, "[{lo}, {hi}]");
        assert!(hi - lo < 30.0, "[{lo}, {hi}]");
    }

    /// Simulated interleaved runs whose true median ratio is 1.3, with random machine drift
    /// shared by both within a round: the 95% CI should cover 1.3 in at least about 95% of
    /// experiments (here it is slightly conservative: about 97%), without being wide.
    #[test]
    fn paired_ratio_ci_covers_the_true_ratio_at_about_its_nominal_rate() {
        let true_ratio = 1.3;
        let noise = LogNormal::new(0.0, 0.1).unwrap();
        let shared = LogNormal::new(0.0, 0.15).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let experiments: u32 = 200;
        let mut covered: u32 = 0;
        let (mut pts, mut widths) = (Vec::new(), Vec::new());
        for e in 0..experiments {
            let n = 60;
            let rounds: Vec<u32> = (0..n).collect();
            let drift: Vec<f64> = (0..n).map(|_| shared.sample(&mut rng)).collect();
            let r: Vec<f64> = drift.iter().map(|d| d * noise.sample(&mut rng)).collect();
            let x: Vec<f64> = drift
                .iter()
                .map(|d| true_ratio * d * noise.sample(&mut rng))
                .collect();
            let (pt, [lo, hi]) = paired_ratio((&x, &rounds), (&r, &rounds), u64::from(e)).unwrap();
            pts.push(pt);
            widths.push((hi - lo) / 2.0);
            if lo <= true_ratio && true_ratio <= hi {
                covered += 1;
            }
        }
        let rate = f64::from(covered) / f64::from(experiments);
        // Coverage alone would pass an absurdly wide interval, so the width is checked too:
        // about 1.96 times the spread of the estimate across experiments.
        let spread = statrs::statistics::Statistics::std_dev(pts.as_slice());
        let half = statrs::statistics::Statistics::mean(widths.as_slice());
        assert!(rate >= 0.90, "coverage {rate}");
        assert!(
            half < 1.5 * 1.96 * spread,
            "half-width {half} vs spread {spread}"
        );
        assert!(
            half > 0.7 * 1.96 * spread,
            "half-width {half} vs spread {spread}"
        );
    }
}
