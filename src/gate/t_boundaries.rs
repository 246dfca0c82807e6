//! Boundaries for the A/B gate's t statistics. The normal boundaries of `boundaries.rs`
//! assume a known spread; the gate estimates it from as few as three passes, and carrying
//! each normal boundary over to a t quantile of the same level (the usual approximation)
//! let 5.9% of A/B gates at a change equal to the margin end "regressed": each look's
//! fresh variance estimate makes the t statistics of successive looks less alike than
//! normal ones, so fewer paths that would cross late have already crossed early.
//!
//! The A/B statistic, T_k = (x̄_k − μ₀)/(s_k/√n_k) over the passes of look k, has a joint
//! law under μ = μ₀ that does not depend on σ, so its boundaries can be found exactly, up
//! to simulation error, from simulated null paths: look k's critical value is the value
//! that the paths still undecided exceed as often as the spending function releases at
//! t_k. The first look's is the exact t quantile. The simulation is seeded, so a design
//! is the same every time.

use super::spending::Spending;
use crate::stats::t_quantile;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Null paths simulated. The design aims three simulation standard errors (3·√(α/PATHS),
/// 0.15 percentage point at α = 5%) below α, so that its true rate is at most α.
pub const PATHS: usize = 200_000;
const SEED: u64 = 0x5ea1_be7c;

/// Per path: sum and sum of squares of the passes so far.
struct Paths {
    sum: Vec<f64>,
    squares: Vec<f64>,
    undecided: Vec<bool>,
}

impl Paths {
    fn t(&self, p: usize, n: usize) -> f64 {
        let n = n as f64;
        let mean = self.sum[p] / n;
        let var = ((self.squares[p] - n * mean * mean) / (n - 1.0)).max(0.0);
        mean / (var / n).sqrt()
    }
}

/// Critical values of the one-sample t statistics at looks after `schedule[k]` passes
/// (increasing, the first at least 2), spending the one-sided `alpha` by `spending` over
/// information times n_k / n_K. A look with nothing to spend gets +∞.
pub fn t_boundaries(alpha: f64, spending: Spending, schedule: &[usize]) -> Vec<f64> {
    assert!(
        schedule.first().is_some_and(|n| *n >= 2) && schedule.windows(2).all(|w| w[0] < w[1]),
        "looks after increasing numbers of passes, at least 2: {schedule:?}"
    );
    let last = *schedule.last().expect("a look") as f64;
    let aim = (alpha - 3.0 * (alpha / PATHS as f64).sqrt()).max(alpha / 2.0);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut paths = Paths {
        sum: vec![0.0; PATHS],
        squares: vec![0.0; PATHS],
        undecided: vec![true; PATHS],
    };
    let (mut made, mut spent) = (0, 0.0);
    let mut out = Vec::with_capacity(schedule.len());
    let mut stats: Vec<f64> = Vec::with_capacity(PATHS);
    for &n in schedule {
        for p in 0..PATHS {
            for _ in made..n {
                let x: f64 = StandardNormal.sample(&mut rng);
                paths.sum[p] += x;
                paths.squares[p] += x * x;
            }
        }
        made = n;
        let now = spending.spent(aim, n as f64 / last).max(spent);
        let release = now - spent;
        spent = now;
        let crossing = (release * PATHS as f64).round() as usize;
        let c = if crossing == 0 {
            f64::INFINITY
        } else if out.is_empty() {
            t_quantile(1.0 - release, (n - 1) as f64)
        } else {
            stats.clear();
            stats.extend(
                (0..PATHS)
                    .filter(|&p| paths.undecided[p])
                    .map(|p| paths.t(p, n)),
            );
            if crossing >= stats.len() {
                f64::NEG_INFINITY
            } else {
                // Between the crossing-th largest statistic and the next below it.
                let at = stats.len() - crossing;
                let (below, kth, _) = stats.select_nth_unstable_by(at, f64::total_cmp);
                let next = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (*kth + next) / 2.0
            }
        };
        for p in 0..PATHS {
            if paths.undecided[p] && paths.t(p, n) > c {
                paths.undecided[p] = false;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_look_is_the_t_test() {
        let c = t_boundaries(0.05, Spending::Pocock, &[10]);
        let aim = 0.05 - 3.0 * (0.05 / PATHS as f64).sqrt();
        assert!((c[0] - t_quantile(1.0 - aim, 9.0)).abs() < 1e-12, "{c:?}");
    }

    /// Fresh null paths (another seed) cross each look about as often as spent, and all
    /// looks together at most α.
    #[test]
    fn independent_null_paths_cross_at_the_rate_spent() {
        let schedule: Vec<usize> = (3..=10).collect();
        for spending in [Spending::Pocock, Spending::OBrienFleming] {
            let c = t_boundaries(0.05, spending, &schedule);
            let mut rng = ChaCha8Rng::seed_from_u64(99);
            const CHECK: usize = 200_000;
            let mut first = vec![0usize; schedule.len()];
            for _ in 0..CHECK {
                let (mut s, mut q, mut made) = (0.0, 0.0, 0);
                for (k, &n) in schedule.iter().enumerate() {
                    for _ in made..n {
                        let x: f64 = StandardNormal.sample(&mut rng);
                        s += x;
                        q += x * x;
                    }
                    made = n;
                    let nf = n as f64;
                    let m = s / nf;
                    let t = m / (((q - nf * m * m) / (nf - 1.0)) / nf).sqrt();
                    if t > c[k] {
                        first[k] += 1;
                        break;
                    }
                }
            }
            let total = first.iter().sum::<usize>() as f64 / CHECK as f64;
            eprintln!("{spending:?}: {total:.4} over all looks; first crossings {first:?}");
            // Aimed at 4.85%; two simulations of 200 000 paths: together 0.0007 sd.
            assert!((0.046..=0.0505).contains(&total), "{spending:?}: {total}");
            let mut before = 0.0;
            for (k, &n) in schedule.iter().enumerate() {
                let want = spending.spent(0.0485, n as f64 / 10.0) - before;
                before += want;
                let got = first[k] as f64 / CHECK as f64;
                assert!(
                    (got - want).abs() < 0.0015,
                    "{spending:?} look {k}: {got} vs {want}"
                );
            }
        }
    }
}
