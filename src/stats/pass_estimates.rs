//! From a row's raw starts to the per-pass estimates the headline combines: each pass's
//! ratio over the rounds of that pass that the row and its reference both ran, with its
//! own block bootstrap.

use super::{shared, ByRound, PassEstimate};

/// A row's starts as a results file holds them: the time, round and pass of each. An
/// empty (or mismatched) `passes` means one pass.
#[derive(Debug, Clone, Copy)]
pub struct Starts<'a> {
    pub times: &'a [f64],
    pub rounds: &'a [u32],
    pub passes: &'a [u32],
}

impl Starts<'_> {
    fn pass_of(&self) -> Vec<u32> {
        if self.passes.len() == self.times.len() {
            self.passes.to_vec()
        } else {
            vec![0; self.times.len()]
        }
    }

    /// The rounds of pass `p`.
    fn rounds_in(&self, passes: &[u32], p: u32) -> Vec<u32> {
        self.rounds
            .iter()
            .zip(passes)
            .filter(|(_, q)| **q == p)
            .map(|(r, _)| *r)
            .collect()
    }
}

/// Each pass's estimate of `row` against `reference`, in pass order, over the rounds of
/// that pass both ran; a pass they share no round of is left out. Each pass's bootstrap
/// gets its own seed, from `seed` (the row's, as `row_seed` gives it) and the pass.
pub fn pass_estimates(row: Starts, reference: Starts, seed: u64) -> Vec<PassEstimate> {
    let (rp, fp) = (row.pass_of(), reference.pass_of());
    let count = rp.iter().chain(&fp).max().map_or(0, |m| m + 1);
    (0..count)
        .filter_map(|p| {
            let keep = shared(&row.rounds_in(&rp, p), &reference.rounds_in(&fp, p));
            let x = ByRound::new(row.times, row.rounds, Some(&keep));
            let y = ByRound::new(reference.times, reference.rounds, Some(&keep));
            // Golden-ratio steps keep the passes' seeds apart for any row seed.
            let pass_seed = seed ^ u64::from(p).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            PassEstimate::of(&x, &y, pass_seed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_estimate_per_pass_over_the_rounds_both_ran() {
        // Two passes of 40 rounds; the row is 1.1× the reference in the first, 1.2× in
        // the second, and lost round 5.
        let rounds: Vec<u32> = (0..80).collect();
        let passes: Vec<u32> = rounds.iter().map(|r| r / 40).collect();
        let reference: Vec<f64> = rounds
            .iter()
            .map(|r| 1e-3 * (1.0 + 0.01 * f64::from(r % 7)))
            .collect();
        let (mut times, mut kept, mut kept_passes) = (Vec::new(), Vec::new(), Vec::new());
        for (i, r) in rounds.iter().enumerate() {
            if *r != 5 {
                times.push(reference[i] * if *r < 40 { 1.1 } else { 1.2 });
                kept.push(*r);
                kept_passes.push(passes[i]);
            }
        }
        let row = Starts {
            times: &times,
            rounds: &kept,
            passes: &kept_passes,
        };
        let reference = Starts {
            times: &reference,
            rounds: &rounds,
            passes: &passes,
        };
        let est = pass_estimates(row, reference, 7);
        assert_eq!(est.len(), 2);
        assert!((est[0].ratio - 1.1).abs() < 1e-12, "{est:?}");
        assert!((est[1].ratio - 1.2).abs() < 1e-12, "{est:?}");
        // Without passes recorded, one estimate.
        let one = pass_estimates(
            Starts { passes: &[], ..row },
            Starts {
                passes: &[],
                ..reference
            },
            7,
        );
        assert_eq!(one.len(), 1);
    }
}
