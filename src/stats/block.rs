//! How long a block of consecutive rounds a bootstrap must resample to keep the dependence
//! between starts: consecutive starts share the machine's state (caches, frequency, other
//! load), so their times are correlated and resampling single rounds understates the
//! variance. The length is chosen from the data by Politis and White's rule (2004, with the
//! correction of Patton, Politis and White 2009) for the circular block bootstrap.

/// The flat-top lag window of Politis and Romano.
fn flat_top(t: f64) -> f64 {
    let t = t.abs();
    if t <= 0.5 {
        1.0
    } else if t <= 1.0 {
        2.0 * (1.0 - t)
    } else {
        0.0
    }
}

/// Autocovariances of `s` at lags 0..=max_lag (divided by n, as usual).
fn autocovariances(s: &[f64], max_lag: usize) -> Vec<f64> {
    let n = s.len();
    let mean = s.iter().sum::<f64>() / n as f64;
    let c: Vec<f64> = s.iter().map(|x| x - mean).collect();
    (0..=max_lag.min(n - 1))
        .map(|k| {
            c[..n - k]
                .iter()
                .zip(&c[k..])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / n as f64
        })
        .collect()
}

/// The block length for a circular block bootstrap of statistics of the series `s`: 1 for
/// an uncorrelated series, longer the longer its memory, at most about n/3.
pub fn block_length(s: &[f64]) -> usize {
    let n = s.len();
    if n < 8 {
        return 1;
    }
    let nf = n as f64;
    let kn = (nf.log10().sqrt().ceil() as usize).max(5);
    let m_max = (nf.sqrt().ceil() as usize + kn).min(n - 1);
    let r = autocovariances(s, (m_max + kn).min(n - 1));
    if r[0] <= 0.0 || !r[0].is_finite() {
        return 1;
    }
    let rho = |k: usize| r.get(k).map_or(0.0, |v| v / r[0]);
    let bound = 2.0 * (nf.log10() / nf).sqrt();
    // The first lag after which kn autocorrelations in a row are insignificant.
    let m_hat = (0..=m_max)
        .find(|&m| (1..=kn).all(|k| rho(m + k).abs() < bound))
        .unwrap_or(m_max);
    let big_m = (2 * m_hat).min(m_max);
    if big_m == 0 {
        return 1;
    }
    let (mut g, mut g0) = (0.0, r[0]);
    for k in 1..=big_m {
        let w = flat_top(k as f64 / big_m as f64);
        let rk = r.get(k).copied().unwrap_or(0.0);
        g += 2.0 * w * k as f64 * rk;
        g0 += 2.0 * w * rk;
    }
    let d = 4.0 / 3.0 * g0 * g0;
    if d <= 0.0 || !d.is_finite() {
        return 1;
    }
    let b = (2.0 * g * g / d).cbrt() * nf.cbrt();
    let cap = (3.0 * nf.sqrt()).min(nf / 3.0);
    b.round().clamp(1.0, cap.max(1.0)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    fn ar1(phi: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let e = Normal::new(0.0, 1.0).unwrap();
        let mut x = 0.0;
        (0..n)
            .map(|_| {
                x = phi * x + e.sample(&mut rng);
                x
            })
            .collect()
    }

    #[test]
    fn independent_data_gets_short_blocks_and_memory_gets_long_ones() {
        let iid = block_length(&ar1(0.0, 2000, 1));
        let weak = block_length(&ar1(0.4, 2000, 2));
        let strong = block_length(&ar1(0.9, 2000, 3));
        assert!(iid <= 3, "iid: {iid}");
        assert!(weak > iid, "0.4: {weak} vs iid {iid}");
        assert!(strong > 2 * weak, "0.9: {strong} vs 0.4: {weak}");
        assert!(strong <= 2000 / 3);
    }

    #[test]
    fn a_constant_or_short_series_gets_one() {
        assert_eq!(block_length(&[1.0; 100]), 1);
        assert_eq!(block_length(&[1.0, 2.0, 3.0]), 1);
    }
}
