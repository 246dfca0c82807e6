//! The results file: schema `sealbench/1`. Fields are only ever added, never renamed.

mod absorb;
mod analysis;
mod change;
pub mod merge;
mod phases;
mod plan;
#[cfg(test)]
pub mod sample;
mod seal;
mod validate;

pub use analysis::{analyze, rounds_of, Analyzed};
pub use change::{changes, Change};
pub use phases::Phases;
pub use plan::{Plan, RunCount};
pub use seal::{BuildVariant, Data, SealPath};
pub use validate::validate;

use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "sealbench/1";

/// The `mount_events_method` of an exact count. Any other method counts wake-ups of a
/// poller, which is a lower bound on events (see `side_effects::MountWatch`).
pub const EXACT_METHOD: &str = "fanotify";

/// Whether counts made by `method` are exact mount events (else mountinfo wake-ups).
pub fn is_exact(method: &str) -> bool {
    method == EXACT_METHOD
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub schema: String,
    pub host: Host,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// `--phases`: what reading the clock once costs here, in nanoseconds (the median of
    /// 10 000 reads, measured in the run); a phased start reads it five times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_read_ns: Option<f64>,
    /// The command that made the run, with its seed: how to reproduce it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub results: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Host {
    pub kernel: String,
    pub cpus: usize,
    pub exe_size_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    /// Whether cycle and instruction counters can be read here, or why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware_counters: Option<String>,
    /// How `container_memory_charge_bytes` was read, or why it could not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_charge: Option<String>,
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
    /// Starts killed by `--run-timeout` (their rounds have no sample); more than
    /// `MAX_TIMEOUTS` fail the row.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeouts: u32,
    /// What `analyze` derives from the starts above; empty until a row is analysed.
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Wall time of every measured start, seal to reap, in run order.
    #[serde(default)]
    pub times: Vec<f64>,
    /// The child's user and system CPU time per start, from wait4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_times: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_times: Vec<f64>,
    /// Per start, wait4's exact counters: [minor faults, major faults, voluntary and
    /// involuntary context switches].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters_per_start: Vec<[u64; 4]>,
    /// `--phases`: per start, seconds in [seal, spawn, run, reap, teardown].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases_per_start: Vec<[f64; 5]>,
    /// The interleaved round of every start, which pairs starts across strategies. Rounds
    /// are numbered across passes, so no two passes share one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<u32>,
    /// The pass (`compare --repeat`) of every start; empty for a run of one pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passes: Vec<u32>,
    /// The largest max RSS of stage 2 and its payload over all starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rss_bytes: Option<u64>,
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
    /// Container workloads: the peak charge of one start (seal to teardown) to a memory
    /// cgroup that the start runs in from its first step, as a runtime that seals itself
    /// after joining the container's cgroup would (median of a few starts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_memory_charge_bytes: Option<u64>,
    /// Of the starts behind `container_memory_charge_bytes`, how many work done ahead
    /// served (their copy charged where the keeper is) and how many copied inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_memory_charge_starts: Option<Served>,
    /// A strategy that works off the starts (a pool refilled by a keeper): what that work
    /// cost and did over the whole run, warm-up and probes included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundWork>,
    /// How a start was seen to seal, on a live process of its image (see `observe`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_observed: Option<SealPath>,
    /// What `seal_observed` was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_evidence: Option<String>,
    /// A runtime's seal path as its version (or build) says it should be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_expected: Option<SealPath>,
    /// Whether the executed image has pages of its own or the host binary's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    /// The page frames compared for `data`, or why they could not be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_evidence: Option<String>,
    /// Where a runtime build came from (scripts/build-runc.sh's record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// The strategy copies the whole binary per start (memfd, tmpfile): its cost follows
    /// memory bandwidth, which drifts more between runs than exec paths do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub copies_per_start: bool,
    /// This row is the named row's strategy run without `--phases`, in the same rounds:
    /// the control for what timing the phases costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_of: Option<String>,
}

/// Starts served by work done ahead, and starts that did the work themselves.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Served {
    pub served: u64,
    pub inline: u64,
}

/// What a strategy's background work cost and did over a run (`strategies::Background`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackgroundWork {
    /// Starts served by a copy made ahead, and starts that copied inline.
    pub starts: Served,
    /// Copies made ahead and thrown away (the binary had changed).
    pub discarded: u64,
    /// CPU time (user and system) of the background work, where it is a process of its
    /// own that can be counted; per start served or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds_per_start: Option<f64>,
    /// Memory held for starts to come at the end of the run (a pool's copies at rest).
    pub held_bytes: u64,
}

impl BackgroundWork {
    pub fn of(b: &strategies::Background) -> BackgroundWork {
        let starts = b.served + b.inline;
        let cpu = b.cpu.map(|d| d.as_secs_f64());
        BackgroundWork {
            starts: Served {
                served: b.served,
                inline: b.inline,
            },
            discarded: b.discarded,
            cpu_seconds: cpu,
            cpu_seconds_per_start: cpu.filter(|_| starts > 0).map(|c| c / starts as f64),
            held_bytes: b.held_bytes,
        }
    }
}

/// median(strategy) / median(reference) over the rounds they share, with a 95% CI from a
/// circular block bootstrap over those rounds, and what the CI says (absent for the
/// reference itself).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ratio {
    pub reference: String,
    /// The headline: with several passes, the passes' pooled ratio (random effects); with
    /// one, this run's median over the reference's.
    pub value: f64,
    /// The headline's 95% interval: with several passes, it holds the variation between
    /// passes and the measured variation between runs made at other times, so it is meant
    /// to hold for the next run; with one pass, it describes this run only (`scope`).
    pub ci95: [f64; 2],
    /// What `ci95` describes.
    #[serde(default = "this_run")]
    pub scope: crate::stats::Scope,
    /// With several passes: this run's own interval, all its rounds pooled (block
    /// bootstrap), which says how precisely this run measured, not what the next will.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_ci95: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<crate::stats::Verdict>,
    /// The bootstrap's block length, in rounds.
    #[serde(default)]
    pub block: u32,
    /// With several passes: each pass's ratio and the between-pass interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passes: Option<crate::stats::PassRatios>,
}

fn this_run() -> crate::stats::Scope {
    crate::stats::Scope::ThisRun
}

impl Ratio {
    /// What the interval describes, in words: "this run only", "over 3 passes and runs at
    /// other times".
    pub fn scope_label(&self) -> String {
        match (&self.scope, &self.passes) {
            (crate::stats::Scope::Passes, Some(p)) => {
                format!("over {} passes and runs at other times", p.values.len())
            }
            (crate::stats::Scope::Passes, None) => "over its passes".into(),
            (crate::stats::Scope::ThisRun, _) => "this run only".into(),
        }
    }
}

impl Status {
    /// The word the JSON uses for it (serde's name), for tables and reports.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Unsupported => "unsupported",
            Status::Unavailable => "unavailable",
            Status::Failed => "failed",
        }
    }
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Strategy => "strategy",
            Kind::Runtime => "runtime",
        }
    }
}

/// A row nobody has filled in has not succeeded: only a measured unit is `ok`.
impl Default for Status {
    fn default() -> Self {
        Status::Failed
    }
}

/// The statistics of a row, all over the rounds it shares with its reference: derived
/// from the row's starts by [`analyze`], never measured. Present when `status` is `ok`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Analysis {
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
    /// Rounds this row shares with its reference: every statistic of the row is over them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_rounds: Option<u32>,
    /// 95% CI of the median, by a seeded circular block bootstrap over rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95_median: Option<[f64; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    /// Mean user and system CPU time of the child per start, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<f64>,
    /// Their medians over the rounds the row shares with the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counters: Option<CounterMedians>,
    /// A typical start's phases over the rounds the row shares with the reference: each
    /// phase's mean over the middle tenth of the starts by total (see [`PhaseMedians`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<PhaseMedians>,
    /// Starts beyond Tukey's fences, as criterion classifies them (counted, never dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tukey_outliers: Option<crate::stats::Outliers>,
}

/// A row's location and spread, which analysis gives together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub mean: f64,
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
}

impl Analysis {
    /// The row's median, mean, standard deviation, minimum and maximum, once analysed.
    pub fn spread(&self) -> Option<Spread> {
        Some(Spread {
            median: self.median?,
            mean: self.mean?,
            stddev: self.stddev?,
            min: self.min?,
            max: self.max?,
        })
    }
}

impl Entry {
    /// What a start was seen to seal and what that gives the container, with the evidence
    /// and, for a runtime, what its version says: one line, or `None` if not observed.
    pub fn seal_summary(&self) -> Option<String> {
        let seal = self.seal_observed?;
        let mut s = format!("sealed with {seal}");
        if let Some(d) = self.data {
            s.push_str(&format!(", data {d}"));
        }
        if let Some(ev) = &self.seal_evidence {
            s.push_str(&format!(" (seen: {ev}"));
            if let Some(n) = self.mount_events_per_start {
                s.push_str(&format!("; {n:.1} mount events per start"));
            }
            s.push(')');
        }
        if let Some(p) = &self.provenance {
            s.push_str(&format!("; build: {p}"));
        }
        match (self.seal_expected, &self.seals) {
            (Some(x), _) if x != seal => s.push_str(&format!("; its version says {x}")),
            (None, Some(note)) if self.kind == Kind::Runtime => {
                s.push_str(&format!("; its version says: {note}"))
            }
            _ => {}
        }
        Some(s)
    }

    /// The version says one seal path and the run saw another.
    pub fn seal_disagrees(&self) -> bool {
        matches!((self.seal_expected, self.seal_observed), (Some(x), Some(o)) if x != o && o != SealPath::Unknown)
    }
}

impl Entry {
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Medians per start of the kernel's exact counters (`wait4`'s rusage), over the same
/// rounds as the row's times.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct CounterMedians {
    pub minor_faults: f64,
    pub major_faults: f64,
    pub voluntary_switches: f64,
    pub involuntary_switches: f64,
}

/// Seconds per phase of a typical start (`--phases`), over the same rounds as the row's
/// times: each phase's mean over the starts whose total lies between the 45th and 55th
/// percentile, so that the phases add up to about the median (medians of parts would not).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
pub struct PhaseMedians {
    pub seal: f64,
    pub spawn: f64,
    pub run: f64,
    pub reap: f64,
    pub teardown: f64,
}

impl PhaseMedians {
    pub fn as_array(&self) -> [f64; 5] {
        [self.seal, self.spawn, self.run, self.reap, self.teardown]
    }

    pub fn sum(&self) -> f64 {
        self.as_array().iter().sum()
    }
}
