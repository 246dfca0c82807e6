//! Run-to-run variance: a single run's interval says how precisely that run measured, not
//! how much the next run will differ (two honest runs' intervals often do not overlap).
//! With several independent passes (fresh processes, fresh seeds), the spread between the
//! passes' ratios is the honest uncertainty, as Kalibera and Jones argue: here a Student t
//! interval over the passes' log ratios, reported as a geometric mean.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PassRatios {
    /// Each pass's median ratio, over that pass's rounds, in pass order.
    pub values: Vec<f64>,
    /// Their geometric mean.
    pub mean: f64,
    /// 95% CI of the geometric mean from the spread between passes.
    pub ci95: [f64; 2],
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// The t quantile with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::INFINITY)
}

impl PassRatios {
    /// `None` for fewer than two passes: one pass says nothing about the next.
    pub fn of(values: Vec<f64>) -> Option<PassRatios> {
        if values.len() < 2 || values.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return None;
        }
        let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        let (m, sd) = mean_sd(&logs);
        let half = t_quantile(0.975, (logs.len() - 1) as f64) * sd / (logs.len() as f64).sqrt();
        Some(PassRatios {
            values,
            mean: m.exp(),
            ci95: [(m - half).exp(), (m + half).exp()],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_and_t_interval() {
        let p = PassRatios::of(vec![1.0, 1.1, 1.21]).unwrap();
        assert!((p.mean - 1.1).abs() < 1e-12, "{}", p.mean);
        // log sd = ln 1.1, t(0.975, 2) = 4.303: half = 4.303 · 0.0953 / √3 = 0.2368.
        assert!(
            (p.ci95[1].ln() - 1.1f64.ln() - 0.2368).abs() < 1e-3,
            "{:?}",
            p.ci95
        );
        assert!(PassRatios::of(vec![1.0]).is_none());
    }
}
