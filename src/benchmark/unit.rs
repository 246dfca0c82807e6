use super::Contender;
use crate::results::Status;

/// One measured start.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seal to reap, in seconds.
    pub wall: f64,
    /// The child's own CPU time from wait4, in seconds.
    pub user: f64,
    pub system: f64,
    pub max_rss_kib: u64,
    /// Page faults and context switches of the start, exact: the child's (wait4's rusage)
    /// and the runtime thread's own during the start (getrusage, read outside the timing).
    pub counters: crate::process::Counters,
    /// `--phases`: where the start's time went.
    pub phases: Option<super::Phases>,
    /// The interleaved round this start ran in; starts of one round are paired.
    pub round: u32,
}

/// Where a unit stands.
pub enum UnitState {
    Ready(Box<dyn Contender>),
    /// The strategy cannot run on this kernel or with these privileges.
    Unsupported(String),
    /// A runtime peer that is not installed or cannot run here.
    Unavailable(String),
    /// It could run, but a start failed.
    Failed(String),
}

impl UnitState {
    /// The status of the row a unit in this state makes, and the reason for any but ok.
    pub fn status(&self) -> (Status, Option<String>) {
        match self {
            UnitState::Ready(_) => (Status::Ok, None),
            UnitState::Unsupported(why) => (Status::Unsupported, Some(why.clone())),
            UnitState::Unavailable(why) => (Status::Unavailable, Some(why.clone())),
            UnitState::Failed(why) => (Status::Failed, Some(why.clone())),
        }
    }
}

/// What a unit's row is: typed from the command line to the results file, never a name
/// to parse back.
#[derive(Clone)]
pub enum Row {
    /// A sealing strategy.
    Strategy(&'static dyn strategies::SealStrategy),
    /// The strategy again with `--phases` off: the control that measures what the
    /// instrumentation of its phased twin costs.
    Unphased(&'static dyn strategies::SealStrategy),
    /// A runtime peer, by the name the user gave it.
    Runtime(String),
}

impl Row {
    /// The row's name in tables and files.
    pub fn name(&self) -> String {
        match self {
            Row::Strategy(s) => s.name().to_string(),
            Row::Unphased(s) => format!("{}-unphased", s.name()),
            Row::Runtime(n) => n.clone(),
        }
    }

    /// The strategy the row measures, if it is one.
    pub fn strategy(&self) -> Option<&'static dyn strategies::SealStrategy> {
        match self {
            Row::Strategy(s) | Row::Unphased(s) => Some(*s),
            Row::Runtime(_) => None,
        }
    }

    pub fn is_runtime(&self) -> bool {
        matches!(self, Row::Runtime(_))
    }
}

/// A row of a workload and the samples measured for it.
pub struct Unit {
    pub row: Row,
    pub workload: String,
    pub state: UnitState,
    pub samples: Vec<Sample>,
    /// A calibration aid (`--inject-delay`): busy-wait this long inside every timed start.
    pub inject: Option<std::time::Duration>,
    /// The mount namespace this unit's starts run in (a host-mounts sweep's value).
    pub ns: Option<std::sync::Arc<crate::sandbox::MountNs>>,
    /// A runtime peer's `--version`.
    pub version: Option<String>,
    /// A runtime peer's binary, its sha256, and how it seals itself.
    pub path: Option<String>,
    pub sha256: Option<String>,
    pub seals: Option<String>,
    /// The strategy a fallback chain used.
    pub used: Option<&'static str>,
    /// Mount events in the run's namespace per start.
    pub mount_events: Option<f64>,
    /// Memory per live container: (MemAvailable drop, Shmem rise) in bytes.
    pub memory_per_live: Option<(i64, i64)>,
    /// A container workload's peak memory-cgroup charge of one start, in bytes.
    pub memory_charge: Option<u64>,
    /// Of the starts that measured `memory_charge`, how many the strategy's background
    /// work served and how many copied inline (a pool's keeper behind).
    pub memory_charge_starts: Option<crate::results::Served>,
    /// The strategy's background work over the whole run, read after its teardown.
    pub background: Option<strategies::Background>,
    /// Starts the `--run-timeout` watchdog killed; their rounds have no sample.
    pub timeouts: u32,
    /// A runtime's seal path as its version says, and where a build came from.
    pub seal_expected: Option<crate::results::SealPath>,
    pub provenance: Option<String>,
    /// What a live start was seen to seal.
    pub observed: Option<crate::observe::Observed>,
}

impl Unit {
    pub fn new(row: Row, workload: &str, state: UnitState) -> Unit {
        Unit {
            row,
            version: None,
            path: None,
            sha256: None,
            seals: None,
            used: None,
            mount_events: None,
            memory_per_live: None,
            memory_charge: None,
            memory_charge_starts: None,
            background: None,
            timeouts: 0,
            seal_expected: None,
            provenance: None,
            observed: None,
            workload: workload.into(),
            state,
            samples: Vec::new(),
            inject: None,
            ns: None,
        }
    }

    /// The row's name, as tables and files show it.
    pub fn name(&self) -> String {
        self.row.name()
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.state, UnitState::Ready(_))
    }

    /// Tear the strategy's set-up down, keeping the first error as the unit's failure.
    /// A unit that took part in measured rounds without one completed start (all timed
    /// out) has measured nothing: it fails, rather than stand as an empty ok row.
    pub fn finish(&mut self) {
        if self.samples.is_empty() && self.timeouts > 0 && self.is_ready() {
            self.state = UnitState::Failed(format!(
                "no start completed: {} timed out (--run-timeout)",
                self.timeouts
            ));
        }
        if let UnitState::Ready(contender) = &mut self.state {
            self.used = contender.used();
            let torn = contender.teardown();
            self.background = contender.background();
            if let Err(e) = torn {
                self.state = UnitState::Failed(format!("teardown: {e}"));
            }
        }
    }
}
