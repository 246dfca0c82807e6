//! Combining passes that disagree more than their own intervals allow. Each pass measures
//! its ratio to within its bootstrap standard error, but passes made with fresh workers
//! differ by more than that (Cochran's Q rejects equal pass means in every committed
//! baseline): a pass has an effect of its own, drawn anew each run. The ratio a user will
//! see on the next run is the centre of that distribution, so the passes are combined as
//! a random-effects meta-analysis would combine studies:
//!
//! - the between-pass variance τ² by Paule and Mandel's estimator (the one recommended
//!   over DerSimonian–Laird for few studies: Veroniki et al. 2016, Langan et al. 2019);
//! - the interval by Hartung–Knapp–Sidik–Jonkman: a t quantile with k − 1 degrees of
//!   freedom over a variance re-estimated from the spread of the passes, which keeps its
//!   coverage at 3 to 10 passes where a normal quantile does not;
//! - with the usual guard against HKSJ intervals narrower than the fixed-effect one (the
//!   "modified" HKSJ of Röver, Knapp and Friede 2015): the variance is never below what the
//!   passes' own standard errors give.
//!
//! With equal standard errors this is exactly the Student t interval over the passes' log
//! ratios when they disagree, and the within-pass bootstrap (with a t quantile) when they
//! agree better than their errors allow: a t interval over passes with the bootstrap as a
//! floor, weighted for passes of unequal precision.

use super::t_quantile;

/// The combined log ratio of k passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pooled {
    /// Weighted mean of the passes' log ratios.
    pub mean: f64,
    /// Its standard error, between-pass variation included.
    pub se: f64,
    /// Degrees of freedom of the t quantile (k − 1).
    pub df: f64,
    /// Between-pass standard deviation τ of the log ratio.
    pub tau: f64,
}

impl Pooled {
    /// Two-sided interval of the mean log ratio at `level`.
    pub fn interval(&self, level: f64) -> [f64; 2] {
        let half = t_quantile(0.5 + level / 2.0, self.df) * self.se;
        [self.mean - half, self.mean + half]
    }
}

/// Weighted mean and Σw for weights 1/(vᵢ + τ²).
fn weighted(y: &[f64], v: &[f64], tau2: f64) -> (f64, f64) {
    let (mut sw, mut swy) = (0.0, 0.0);
    for (yi, vi) in y.iter().zip(v) {
        let w = 1.0 / (vi + tau2);
        sw += w;
        swy += w * yi;
    }
    (swy / sw, sw)
}

/// The generalised Q statistic at τ²: Σ wᵢ (yᵢ − μ̂)².
fn q_at(y: &[f64], v: &[f64], tau2: f64) -> f64 {
    let (mu, _) = weighted(y, v, tau2);
    y.iter()
        .zip(v)
        .map(|(yi, vi)| (yi - mu).powi(2) / (vi + tau2))
        .sum()
}

/// Paule–Mandel τ²: the τ² at which Q equals its expectation k − 1 (0 when Q at τ² = 0 is
/// already below). Q falls monotonically with τ², and at τ² = the passes' sample variance
/// it is below k − 1, so bisection between the two finds it.
pub fn paule_mandel(y: &[f64], v: &[f64]) -> f64 {
    let k = y.len() as f64;
    if y.len() < 2 || q_at(y, v, 0.0) <= k - 1.0 {
        return 0.0;
    }
    let mean = y.iter().sum::<f64>() / k;
    let (mut lo, mut hi) = (
        0.0,
        y.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0),
    );
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if q_at(y, v, mid) > k - 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// The modified Hartung–Knapp–Sidik–Jonkman combination of passes with log ratios `y` and
/// within-pass standard errors `se`. `None` for fewer than two passes (one pass says
/// nothing about the next) or a non-finite or non-positive standard error.
pub fn hksj(y: &[f64], se: &[f64]) -> Option<Pooled> {
    let k = y.len();
    if k < 2
        || se.len() != k
        || y.iter().any(|x| !x.is_finite())
        || se.iter().any(|s| !(s.is_finite() && *s > 0.0))
    {
        return None;
    }
    let v: Vec<f64> = se.iter().map(|s| s * s).collect();
    let tau2 = paule_mandel(y, &v);
    let (mean, sw) = weighted(y, &v, tau2);
    // HKSJ's scale factor, floored at 1: never narrower than the passes' own errors say.
    let scale = (q_at(y, &v, tau2) / (k - 1) as f64).max(1.0);
    Some(Pooled {
        mean,
        se: (scale / sw).sqrt(),
        df: (k - 1) as f64,
        tau: tau2.sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_errors_and_wide_spread_give_the_t_interval_over_passes() {
        let y = [0.10, 0.12, 0.14, 0.11, 0.13];
        let se = [0.001; 5];
        let p = hksj(&y, &se).unwrap();
        let (m, sd) = super::super::mean_sd(&y);
        assert!((p.mean - m).abs() < 1e-12);
        assert!(
            (p.se - sd / 5f64.sqrt()).abs() < 1e-9,
            "{} vs {}",
            p.se,
            sd / 5f64.sqrt()
        );
        // τ² = sample variance − within variance.
        assert!((p.tau.powi(2) - (sd * sd - 1e-6)).abs() < 1e-9);
        let [lo, hi] = p.interval(0.95);
        let half = 2.776445 * sd / 5f64.sqrt();
        assert!((hi - m - half).abs() < 1e-5 && (m - lo - half).abs() < 1e-5);
    }

    #[test]
    fn passes_that_agree_too_well_keep_their_own_errors_as_a_floor() {
        let y = [0.100, 0.1001, 0.0999];
        let se = [0.01, 0.01, 0.01];
        let p = hksj(&y, &se).unwrap();
        assert_eq!(p.tau, 0.0);
        // The fixed-effect standard error 0.01/√3, never the tiny spread of the three.
        assert!((p.se - 0.01 / 3f64.sqrt()).abs() < 1e-12, "{}", p.se);
    }

    #[test]
    fn precise_passes_weigh_more_when_passes_agree() {
        let p = hksj(&[0.0, 0.01], &[0.001, 0.1]).unwrap();
        assert!(p.mean < 0.001, "{}", p.mean);
        assert!(hksj(&[0.1], &[0.01]).is_none());
        assert!(hksj(&[0.1, 0.2], &[0.01, 0.0]).is_none());
    }
}
