//! Do the intervals hold what they claim? Coverage by simulation of what this machine
//! does to a run: consecutive starts are correlated (an AR(1) in log time, shared by the
//! strategies of a round, plus each start's own AR(1) noise) and the machine drifts over
//! the run (a linear trend in log time). A 95% interval must cover the truth in about 95%
//! of simulated runs; the bootstrap that resamples single starts as if independent does
//! not, which shows that these tests can fail.

use super::{block_for, intervals, median, ByRound};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use statrs::distribution::{ContinuousCDF, Normal as StdNormal};

const ROUNDS: usize = 300;
const EXPERIMENTS: u32 = 200;
const RATIO: f64 = 1.05;
/// Shared machine state: AR(1) coefficient and innovation sd of log time.
const SHARED_PHI: f64 = 0.8;
const SHARED_SD: f64 = 0.03;
/// Each start's own noise: AR(1), as a strategy's caches warm and cool.
const OWN_PHI: f64 = 0.5;
const OWN_SD: f64 = 0.04;
/// Drift of log time from the first round to the last (10%).
const DRIFT: f64 = 0.10;

struct Ar1 {
    phi: f64,
    x: f64,
    e: Normal<f64>,
}

impl Ar1 {
    fn new(phi: f64, sd: f64) -> Ar1 {
        Ar1 {
            phi,
            x: 0.0,
            e: Normal::new(0.0, sd).unwrap(),
        }
    }
    fn next(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        self.x = self.phi * self.x + self.e.sample(rng);
        self.x
    }
    /// Stationary standard deviation.
    fn sd(&self) -> f64 {
        self.e.std_dev() / (1.0 - self.phi * self.phi).sqrt()
    }
}

fn drift(t: usize) -> f64 {
    DRIFT * t as f64 / (ROUNDS - 1) as f64
}

/// A run as this machine makes it: `rounds` rounds of x and its reference, x's log time
/// `log_ratio` above the reference's, each start with its own AR(1) noise of innovation sd
/// `own_sd`, both under the shared machine state and the drift.
pub(super) struct Model {
    pub rounds: usize,
    pub own_sd: f64,
    pub log_ratio: f64,
}

impl Model {
    /// The model of one run that the within-run coverage tests below use.
    pub const WITHIN_RUN: Model = Model {
        rounds: ROUNDS,
        own_sd: OWN_SD,
        log_ratio: 0.04879016416943205, // ln 1.05
    };

    /// One simulated run: (x, reference) per round.
    pub fn run(&self, rng: &mut ChaCha8Rng) -> (Vec<f64>, Vec<f64>) {
        let mut shared = Ar1::new(SHARED_PHI, SHARED_SD);
        let (mut own_x, mut own_r) = (
            Ar1::new(OWN_PHI, self.own_sd),
            Ar1::new(OWN_PHI, self.own_sd),
        );
        // Start the processes in their stationary state.
        for _ in 0..50 {
            shared.next(rng);
            own_x.next(rng);
            own_r.next(rng);
        }
        (0..self.rounds)
            .map(|t| {
                let s =
                    shared.next(rng) + DRIFT * t as f64 / (self.rounds - 1) as f64 + (1e-3f64).ln();
                (
                    (self.log_ratio + s + own_x.next(rng)).exp(),
                    (s + own_r.next(rng)).exp(),
                )
            })
            .unzip()
    }
}

/// The median of the reference's distribution over the run's window: the mixture over
/// rounds of log-normals whose centre drifts, solved by bisection.
fn true_median() -> f64 {
    let sd = (Ar1::new(SHARED_PHI, SHARED_SD).sd().powi(2)
        + Ar1::new(OWN_PHI, OWN_SD).sd().powi(2))
    .sqrt();
    let n = StdNormal::new(0.0, 1.0).unwrap();
    let cdf = |m: f64| {
        (0..ROUNDS)
            .map(|t| n.cdf((m - drift(t) - (1e-3f64).ln()) / sd))
            .sum::<f64>()
            / ROUNDS as f64
    };
    let (mut lo, mut hi) = ((1e-4f64).ln(), (1e-2f64).ln());
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if cdf(mid) < 0.5 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo.exp()
}

struct Coverage {
    ratio: f64,
    median: f64,
    /// Mean half-width of the ratio interval over the spread of the ratio estimate.
    ratio_width: f64,
}

fn coverage(blocked: bool) -> Coverage {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let truth = true_median();
    let rounds: Vec<u32> = (0..ROUNDS as u32).collect();
    let (mut hit_ratio, mut hit_median) = (0u32, 0u32);
    let (mut points, mut halves) = (Vec::new(), Vec::new());
    for e in 0..EXPERIMENTS {
        let (x, r) = Model::WITHIN_RUN.run(&mut rng);
        let (bx, br) = (
            ByRound::new(&x, &rounds, None),
            ByRound::new(&r, &rounds, None),
        );
        let block = if blocked {
            block_for(&bx, Some(&br))
        } else {
            1
        };
        let ratio_iv = intervals(&bx, Some(&br), block, u64::from(e))
            .and_then(|iv| iv.ratio)
            .unwrap();
        let rblock = if blocked { block_for(&br, None) } else { 1 };
        let median_iv = intervals(&br, None, rblock, u64::from(e) + 1_000)
            .unwrap()
            .median;
        hit_ratio += u32::from(ratio_iv[0] <= RATIO && RATIO <= ratio_iv[1]);
        hit_median += u32::from(median_iv[0] <= truth && truth <= median_iv[1]);
        points.push(median(&x) / median(&r));
        halves.push((ratio_iv[1] - ratio_iv[0]) / 2.0);
    }
    let spread = super::mean_sd(&points).1;
    let half = halves.iter().sum::<f64>() / halves.len() as f64;
    Coverage {
        ratio: f64::from(hit_ratio) / f64::from(EXPERIMENTS),
        median: f64::from(hit_median) / f64::from(EXPERIMENTS),
        ratio_width: half / (1.96 * spread),
    }
}

#[test]
fn block_bootstrap_covers_autocorrelated_drifting_runs() {
    let c = coverage(true);
    eprintln!(
        "block bootstrap: ratio coverage {}, median coverage {}, width {:.2}",
        c.ratio, c.median, c.ratio_width
    );
    assert!(
        c.ratio >= 0.90,
        "ratio CI coverage {} (nominal 0.95)",
        c.ratio
    );
    assert!(
        c.median >= 0.88,
        "median CI coverage {} (nominal 0.95)",
        c.median
    );
    // Coverage alone would pass an absurdly wide interval.
    assert!(
        c.ratio_width < 1.6,
        "ratio half-width / (1.96 · spread) = {}",
        c.ratio_width
    );
}

#[test]
fn resampling_single_starts_undercovers_the_same_runs() {
    let c = coverage(false);
    eprintln!(
        "independent bootstrap: ratio coverage {}, median coverage {}",
        c.ratio, c.median
    );
    assert!(
        c.median < 0.80,
        "an independent-runs bootstrap covered the median {} of the time: the simulation \
         no longer has the dependence it is meant to test",
        c.median
    );
}
