//! The results file: schema `sealbench/1`. Fields are only ever added, never renamed.

mod build;
#[cfg(test)]
pub mod sample;
mod validate;

pub use build::entry;
pub use validate::validate;

use crate::benchmark::Plan;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "sealbench/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub schema: String,
    pub host: Host,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    pub results: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Host {
    pub kernel: String,
    pub cpus: usize,
    pub exe_size_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// The kernel or the privileges cannot run this strategy.
    Unsupported,
    /// A runtime peer that is missing or cannot run here.
    Unavailable,
    /// It should have run, but a start failed.
    Failed,
}

/// What a row measured: a sealing strategy, or a whole runtime binary.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Strategy,
    Runtime,
}

/// One (strategy, workload) row. Summary fields are present when `status` is `ok`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Entry {
    /// The row's name: a strategy's, or a runtime's (`--runtime NAME=PATH`).
    pub strategy: String,
    pub workload: String,
    #[serde(default)]
    pub kind: Kind,
    /// A runtime's binary and its sha256, so a results file says exactly what ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// How a runtime seals itself (from its version, where known; else "unknown").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seals: Option<String>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub runs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stddev: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Wall time of every measured start, seal to reap, in run order.
    #[serde(default)]
    pub times: Vec<f64>,
    /// The child's user and system CPU time per start, from wait4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_times: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_times: Vec<f64>,
    /// The interleaved round of every start, which pairs starts across strategies. Rounds
    /// are numbered across passes, so no two passes share one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<u32>,
    /// The pass (`compare --repeat`) of every start; empty for a run of one pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passes: Vec<u32>,
    /// Rounds this row shares with its reference: every statistic of the row is over them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_rounds: Option<u32>,
    /// The largest max RSS of stage 2 and its payload over all starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss_bytes: Option<u64>,
    /// Mean user and system CPU time of the child per start, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<f64>,
    /// 95% CI of the median, by a seeded circular block bootstrap over rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95_median: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    /// Starts beyond Tukey's fences, as criterion classifies them (counted, never dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tukey_outliers: Option<crate::stats::Outliers>,
    /// A runtime peer's version, from its `--version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// For a fallback chain: the strategy that was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<String>,
    /// Mount and unmount events in the run's "host" namespace per start, counted exactly
    /// (fanotify mount events, Linux 6.15+) over starts of this strategy alone after the
    /// timed runs. Absent where the kernel cannot count them exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_events_per_start: Option<f64>,
    /// How mount events were watched: `fanotify` (exact, fills `mount_events_per_start`)
    /// or `mountinfo-poll` (fills `mountinfo_wakeups_per_start`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_events_method: Option<String>,
    /// Where mount events cannot be counted exactly (before Linux 6.15): the wake-ups per
    /// start of a poll on /proc/self/mountinfo that reads the table after every start, as
    /// systemd's poller does. One wake-up covers every change since the last read, so this
    /// is a lower bound on mount events, never a count of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mountinfo_wakeups_per_start: Option<f64>,
    /// `lower`: `mountinfo_wakeups_per_start` bounds mount events per start from below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mountinfo_wakeups_bound: Option<String>,
    /// With several stage 2s alive at once, per live one: the larger of the drop in
    /// MemAvailable and the rise in Shmem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_memory_bytes_per_live: Option<i64>,
    /// … and the rise in Shmem (memfd copies are shmem) per live one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_shmem_bytes_per_live: Option<i64>,
    /// The largest max RSS of stage 2 (and the payload it became) over the starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage2_max_rss_bytes: Option<u64>,
}

/// median(strategy) / median(reference) over the rounds they share, with a 95% CI from a
/// circular block bootstrap over those rounds, and what the CI says (absent for the
/// reference itself).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ratio {
    pub reference: String,
    pub value: f64,
    pub ci95: [f64; 2],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::stats::Verdict>,
    /// The bootstrap's block length, in rounds.
    #[serde(default)]
    pub block: u32,
    /// With several passes: each pass's ratio and the between-pass interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passes: Option<crate::stats::PassRatios>,
}

impl Default for Status {
    fn default() -> Self {
        Status::Ok
    }
}

impl Entry {
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}
