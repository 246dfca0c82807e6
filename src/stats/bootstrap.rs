//! Circular block bootstrap over rounds, seeded so that a saved run's report is reproduced
//! exactly. Whole rounds are resampled (x and its reference together, since they ran side by
//! side), in blocks of consecutive rounds as long as [`block_length`] finds the dependence
//! between rounds to reach. Buffers are reused, and medians are found by selection, so a
//! row of a million starts takes seconds, not minutes.

use super::block::block_length;
use super::robust::median_in_place;
use super::rounds::ByRound;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Resamples for rows up to 50 000 starts; larger rows get fewer (never below 500), so that
/// resamples × starts stays near 10⁸. A 95% interval's ends are then still stable to a
/// small fraction of its width, and a row that large has a narrow interval anyway.
pub const RESAMPLES: usize = 2000;

pub fn resamples_for(starts: usize) -> usize {
    (100_000_000 / starts.max(1)).clamp(500, RESAMPLES)
}

/// What one bootstrap of a row gives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intervals {
    /// 95% CI of the row's median.
    pub median: [f64; 2],
    /// 95% CI of median(row) / median(reference), when there is a reference.
    pub ratio: Option<[f64; 2]>,
    /// The block length used, in rounds.
    pub block: usize,
}

fn percentile_interval(mut estimates: Vec<f64>) -> [f64; 2] {
    estimates.retain(|x| x.is_finite());
    if estimates.is_empty() {
        return [f64::NAN, f64::NAN];
    }
    estimates.sort_unstable_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * (estimates.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        estimates[lo] + (h - h.floor()) * (estimates[hi] - estimates[lo])
    };
    [q(0.025), q(0.975)]
}

/// The block length for `x` (and its ratio to `reference`): the longer of the lengths the
/// two series call for, so that neither's dependence is cut.
pub fn block_for(x: &ByRound, reference: Option<&ByRound>) -> usize {
    let lx = x.log_means();
    let own = block_length(&lx);
    match reference {
        Some(r) if r.rounds() == x.rounds() => {
            let lr = r.log_means();
            let diff: Vec<f64> = lx.iter().zip(&lr).map(|(a, b)| a - b).collect();
            own.max(block_length(&diff))
        }
        _ => own,
    }
}

/// Fewer rounds than this leave a bootstrap over rounds nothing to resample: every
/// resample is the one round again, and its "interval" has no width.
pub const MIN_ROUNDS: usize = 2;

/// 95% CIs of the median of `x` and of its ratio to `reference` (the same rounds, in the
/// same order), by a circular block bootstrap with blocks of `block` rounds; `None` below
/// [`MIN_ROUNDS`] rounds, where there is no interval to give (not the zero-width one at
/// the first start that was given, away from the median of the round's starts).
pub fn intervals(
    x: &ByRound,
    reference: Option<&ByRound>,
    block: usize,
    seed: u64,
) -> Option<Intervals> {
    let resamples = resamples_for(x.all().len() + reference.map_or(0, |r| r.all().len()));
    intervals_with(x, reference, block, seed, resamples)
}

/// [`intervals`] with `resamples` resamples: the simulations, which bootstrap thousands of
/// runs, take fewer.
pub(crate) fn intervals_with(
    x: &ByRound,
    reference: Option<&ByRound>,
    block: usize,
    seed: u64,
    resamples: usize,
) -> Option<Intervals> {
    let n = x.rounds();
    let reference = reference.filter(|r| r.rounds() == n);
    if n < MIN_ROUNDS {
        return None;
    }
    // Past 16 384 rounds, blocks are at least n/16 384 rounds long: still a valid block
    // bootstrap (a block longer than the dependence only adds a little variance), and it
    // reads memory in runs instead of one random start per round, which for a million
    // rounds is the difference between minutes and seconds.
    let block = block.max(n.div_ceil(1 << 14)).clamp(1, n);
    let b = resamples;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut bx, mut br) = (Vec::with_capacity(x.all().len()), Vec::new());
    let (mut medians, mut ratios) = (Vec::with_capacity(b), Vec::with_capacity(b));
    for _ in 0..b {
        bx.clear();
        br.clear();
        let mut taken = 0;
        while taken < n {
            let start = rng.random_range(0..n);
            let len = block.min(n - taken);
            // The block wraps around the end (circular), in at most two straight runs.
            for (from, to) in [
                (start, (start + len).min(n)),
                (0, (start + len).saturating_sub(n)),
            ] {
                x.push_rounds(from, to, &mut bx);
                if let Some(r) = reference {
                    r.push_rounds(from, to, &mut br);
                }
            }
            taken += block;
        }
        let m = median_in_place(&mut bx);
        medians.push(m);
        if reference.is_some() {
            ratios.push(m / median_in_place(&mut br));
        }
    }
    Some(Intervals {
        median: percentile_interval(medians),
        ratio: reference.map(|_| percentile_interval(ratios)),
        block,
    })
}

/// 95% CI of the median of independent values (each value its own round), as the sweep
/// and the tests use it; `None` for fewer than two values.
pub fn median_ci(xs: &[f64], seed: u64) -> Option<[f64; 2]> {
    let rounds: Vec<u32> = (0..xs.len() as u32).collect();
    let by = ByRound::new(xs, &rounds, None);
    intervals(&by, None, block_for(&by, None), seed).map(|iv| iv.median)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 29, item 11: three starts in one round gave [3, 3] for a median of 2.
    #[test]
    fn one_round_has_no_interval_and_two_have_one_that_holds_the_median() {
        let one = ByRound::new(&[3.0, 1.0, 2.0], &[0, 0, 0], None);
        assert_eq!(intervals(&one, Some(&one), 1, 7), None);
        let two = ByRound::new(&[3.0, 1.0, 2.0, 2.5], &[0, 0, 1, 1], None);
        let iv = intervals(&two, None, 1, 7).unwrap();
        assert!(iv.median[0] <= 2.25 && 2.25 <= iv.median[1], "{iv:?}");
        assert_eq!(median_ci(&[1.0], 7), None);
    }
}
