//! Statistics over the measured starts. What statrs provides is taken from statrs.

mod between_runs;
mod block;
mod bootstrap;
mod headline;
mod outliers;
mod pass_estimates;
mod passes;
mod proportion;
mod random_effects;
mod robust;
mod rounds;
mod seed;
mod summary;
mod verdict;

pub use between_runs::{between_runs_sd, BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD};
pub use block::block_length;
pub(crate) use bootstrap::intervals_with;
pub use bootstrap::{
    block_for, intervals, median_ci, resamples_for, Intervals, MIN_ROUNDS, RESAMPLES,
};
pub use headline::{Headline, PassEstimate, Scope};
pub use outliers::Outliers;
pub use pass_estimates::{pass_estimates, Starts};
pub use passes::{mean_sd, t_quantile, PassRatios};
pub use proportion::Rate;
pub use random_effects::{hksj, paule_mandel, Pooled};
pub use robust::{median, median_in_place};
pub use rounds::{shared, ByRound};
pub use seed::row_seed;
pub use summary::Summary;
pub use verdict::{Verdict, EQUIVALENCE};

#[cfg(test)]
mod coverage;
#[cfg(test)]
mod coverage_between_runs;
