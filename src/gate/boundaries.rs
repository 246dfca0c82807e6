//! The critical values of a group-sequential test, computed for the actual looks. Under
//! no change, the standardised statistics Z₁ … Z_K of the looks are those of a Brownian
//! motion read at the information times t₁ < … < t_K: Z_k·√t_k has independent normal
//! increments. The chance of first crossing c_k at look k is therefore an integral over
//! the density of Z_{k−1} on the region where no earlier look crossed, which is carried
//! from look to look on a grid (Armitage, McPherson and Rowe 1969; Jennison and Turnbull
//! 2000, ch. 19). Each c_k is solved so that this chance is exactly the rate the spending
//! function releases at t_k.

use super::spending::Spending;
use statrs::distribution::{Continuous, ContinuousCDF, Normal};

/// The grid spans ±8 standard deviations: the null density beyond is below 1e-15.
const LOW: f64 = -8.0;
const HIGH: f64 = 8.0;
/// Odd, for Simpson's rule; spacing 0.027 or less, against kernels at least 0.2 wide for
/// looks up to 20 evenly spaced.
const POINTS: usize = 601;

fn standard() -> Normal {
    Normal::new(0.0, 1.0).expect("standard normal")
}

/// Simpson's rule on [lo, hi]: the points and their weights.
fn simpson(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let h = (hi - lo) / (POINTS - 1) as f64;
    (0..POINTS)
        .map(|i| {
            let w = if i == 0 || i == POINTS - 1 {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            (lo + h * i as f64, w * h / 3.0)
        })
        .unzip()
}

/// The sub-density of the previous look's Z on its continuation region, as grid points
/// and weight × density, with that look's information time.
struct Carried {
    z: Vec<f64>,
    mass: Vec<f64>,
    t: f64,
}

impl Carried {
    /// P(no earlier crossing, Z at time `t` above `c`).
    fn crossing(&self, t: f64, c: f64, n: &Normal) -> f64 {
        let sd = (t - self.t).sqrt();
        self.z
            .iter()
            .zip(&self.mass)
            .map(|(u, m)| m * n.sf((c * t.sqrt() - u * self.t.sqrt()) / sd))
            .sum()
    }

    /// The sub-density at `z` of Z at time `t`.
    fn density(&self, t: f64, z: f64, n: &Normal) -> f64 {
        let sd = (t - self.t).sqrt();
        self.z
            .iter()
            .zip(&self.mass)
            .map(|(u, m)| m * n.pdf((z * t.sqrt() - u * self.t.sqrt()) / sd))
            .sum::<f64>()
            * t.sqrt()
            / sd
    }
}

/// The value of `c` in [LOW, HIGH] at which the decreasing `f` crosses `target`.
fn solve(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    let (mut lo, mut hi) = (LOW, HIGH);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if f(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// One-sided upper critical values of Z at information times `times` (increasing, in
/// (0, 1]), spending `alpha` in all by `spending`: under no change, the chance that look
/// k is the first to cross is α(t_k) − α(t_{k−1}). A look with nothing to spend gets
/// +∞ (it cannot decide).
pub fn upper_boundaries(alpha: f64, spending: Spending, times: &[f64]) -> Vec<f64> {
    let n = standard();
    let mut carried: Option<Carried> = None;
    let mut spent = 0.0;
    let mut out = Vec::with_capacity(times.len());
    for &t in times {
        assert!(
            t > 0.0 && carried.as_ref().is_none_or(|c| t > c.t),
            "information times must increase from above 0: {times:?}"
        );
        let now = spending.spent(alpha, t).max(spent);
        let release = now - spent;
        spent = now;
        let c = if release <= 0.0 {
            f64::INFINITY
        } else {
            match &carried {
                None => n.inverse_cdf(1.0 - release),
                Some(prev) => solve(|c| prev.crossing(t, c, &n), release),
            }
        };
        let (z, w) = simpson(LOW, c.min(HIGH));
        let mass = z
            .iter()
            .zip(&w)
            .map(|(z, w)| {
                w * match &carried {
                    None => n.pdf(*z),
                    Some(prev) => prev.density(t, *z, &n),
                }
            })
            .collect();
        carried = Some(Carried { z, mass, t });
        out.push(c);
    }
    out
}

/// The one-sided nominal level of each critical value: the chance that Z alone passes it.
pub fn nominal_levels(boundaries: &[f64]) -> Vec<f64> {
    let n = standard();
    boundaries.iter().map(|c| n.sf(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal as Gauss};

    #[test]
    fn one_look_is_the_fixed_test_and_two_match_published_values() {
        let one = upper_boundaries(0.025, Spending::OBrienFleming, &[1.0]);
        assert!((one[0] - 1.959964).abs() < 1e-5, "{one:?}");
        // Lan–DeMets O'Brien–Fleming, one-sided 2.5%, looks at t = 0.5 and 1: 2.963 and
        // 1.969 (as gsDesign's sfLDOF gives them).
        let two = upper_boundaries(0.025, Spending::OBrienFleming, &[0.5, 1.0]);
        assert!((two[0] - 2.963).abs() < 2e-3, "{two:?}");
        assert!((two[1] - 1.969).abs() < 2e-3, "{two:?}");
    }

    /// The boundaries spend what they claim: simulated Brownian paths, read at the looks,
    /// first cross at each look as often as the spending function releases there.
    #[test]
    fn simulated_paths_cross_each_look_at_the_rate_spent() {
        let times: Vec<f64> = (3..=10).map(|n| f64::from(n) / 10.0).collect();
        for spending in [Spending::Pocock, Spending::OBrienFleming] {
            let c = upper_boundaries(0.05, spending, &times);
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let g = Gauss::new(0.0, 1.0).unwrap();
            const PATHS: u32 = 200_000;
            let mut first = vec![0u32; times.len()];
            for _ in 0..PATHS {
                let (mut s, mut t0) = (0.0f64, 0.0);
                for (k, &t) in times.iter().enumerate() {
                    s += (t - t0).sqrt() * g.sample(&mut rng);
                    t0 = t;
                    if s / t.sqrt() > c[k] {
                        first[k] += 1;
                        break;
                    }
                }
            }
            let mut before = 0.0;
            let mut total = 0u32;
            for (k, &t) in times.iter().enumerate() {
                let want = spending.spent(0.05, t) - before;
                before += want;
                total += first[k];
                let got = f64::from(first[k]) / f64::from(PATHS);
                // Binomial sd at 200 000 paths is at most 0.0005 here.
                assert!(
                    (got - want).abs() < 0.0015,
                    "{spending:?} look {k}: {got} against {want}"
                );
            }
            let all = f64::from(total) / f64::from(PATHS);
            assert!((all - 0.05).abs() < 0.002, "{spending:?}: {all}");
        }
    }
}
