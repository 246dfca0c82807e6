//! A row's starts grouped by the interleaved round they ran in. Every statistic of a row
//! is taken over the rounds it shares with its reference, so that its median, its CI and its
//! ratio all describe the same starts.

use std::collections::BTreeMap;

/// Starts grouped by round, rounds in run order.
#[derive(Debug, Clone, Default)]
pub struct ByRound {
    values: Vec<f64>,
    /// (offset, length) into `values` of each round, in round order.
    spans: Vec<(usize, usize)>,
    ids: Vec<u32>,
}

impl ByRound {
    /// The starts of `times` whose round is in `keep` (all of them when `keep` is `None`).
    /// `keep` must be sorted.
    pub fn new(times: &[f64], rounds: &[u32], keep: Option<&[u32]>) -> ByRound {
        let mut map: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for (t, r) in times.iter().zip(rounds) {
            if keep.is_none_or(|k| k.binary_search(r).is_ok()) {
                map.entry(*r).or_default().push(*t);
            }
        }
        let mut out = ByRound::default();
        for (id, vals) in map {
            out.spans.push((out.values.len(), vals.len()));
            out.values.extend(vals);
            out.ids.push(id);
        }
        out
    }

    /// The sorted round ids present.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    pub fn rounds(&self) -> usize {
        self.spans.len()
    }

    /// Every start kept, round by round.
    pub fn all(&self) -> &[f64] {
        &self.values
    }

    /// The starts of the `i`-th round kept.
    pub fn round(&self, i: usize) -> &[f64] {
        let (o, n) = self.spans[i];
        &self.values[o..o + n]
    }

    /// Append the starts of rounds `from..to` to `out`: rounds are stored in order, so
    /// that is one straight copy.
    #[inline]
    pub fn push_rounds(&self, from: usize, to: usize, out: &mut Vec<f64>) {
        if from < to {
            let (start, _) = self.spans[from];
            let (last, len) = self.spans[to - 1];
            out.extend_from_slice(&self.values[start..last + len]);
        }
    }

    /// One number per round, the mean log time, for measuring dependence between rounds.
    pub fn log_means(&self) -> Vec<f64> {
        (0..self.rounds())
            .map(|i| {
                let r = self.round(i);
                r.iter().map(|t| t.ln()).sum::<f64>() / r.len() as f64
            })
            .collect()
    }
}

/// The sorted round ids present in both.
pub fn shared(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut a: Vec<u32> = a.to_vec();
    a.sort_unstable();
    a.dedup();
    let mut b: Vec<u32> = b.to_vec();
    b.sort_unstable();
    b.dedup();
    a.into_iter()
        .filter(|r| b.binary_search(r).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_filters_by_round() {
        let by = ByRound::new(&[1.0, 2.0, 3.0, 4.0], &[5, 3, 5, 9], Some(&[3, 5]));
        assert_eq!(by.ids(), &[3, 5]);
        assert_eq!(by.round(0), &[2.0]);
        assert_eq!(by.round(1), &[1.0, 3.0]);
        assert_eq!(by.all().len(), 3);
        assert_eq!(shared(&[1, 2, 2, 3], &[3, 2, 7]), vec![2, 3]);
    }
}
