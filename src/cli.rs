//! The command line.

use crate::gate::MarginSpec;
use crate::named::named_enum;
use crate::selection::{StrategyList, WorkloadList};
use crate::size::parse_size;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "sealbench",
    version,
    about = "Measure how a container runtime can seal its own binary (CVE-2019-5736)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the strategies and whether this kernel can run them.
    List(ListArgs),
    /// Shell completions, for bash, zsh, fish, elvish or powershell, on standard output.
    Completions { shell: clap_complete::Shell },
    /// The manual page (roff), on standard output: `sealbench manpage > sealbench.1`.
    Manpage,
    /// What on this machine makes timings noisy or a strategy unsupported (frequency
    /// scaling, load, steal time, THP, ASLR, cgroups, kernel support, installed peers).
    Doctor,
    /// Measure starts of every selected strategy, interleaved, and report them.
    Compare(CompareArgs),
    /// Re-render the tables, exports and charts of a saved results file without re-running.
    Report(ReportArgs),
    /// Draw the charts of a saved results file.
    Plot(PlotArgs),
    /// Fail (exit 1) on a significant slowdown against a baseline, for CI.
    Gate(GateArgs),
    /// Combine runs from several machines or kernels into one comparison.
    Merge(MergeArgs),
    /// Measure how each strategy's cost grows with one parameter.
    Sweep(SweepArgs),
    /// Attack every strategy the way a container would, against decoy copies.
    Audit(AuditArgs),
    /// OCI bundles for container-start and the runtime peers.
    Bundle(BundleArgs),
    /// Show what stage 2 sees of one strategy's sealed binary (used by the tests).
    #[command(hide = true)]
    Inspect(InspectArgs),
    /// The container side of an audit attack (stage 2's payload).
    #[command(hide = true, name = "__attack")]
    Attack { attack: String, arg: Option<String> },
    /// The container side of the peer audit.
    #[command(hide = true, name = "__peer-attacker")]
    PeerAttacker { report: String },
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Size the runtime binary is padded to while probing.
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// `all`, `none` (runtimes alone), or a comma-separated list of strategy names.
    #[arg(long, default_value = "all")]
    pub strategies: StrategyList,
    /// `all`, or a comma-separated list of workload names.
    #[arg(long, alias = "workloads", default_value = "exec-true")]
    pub workload: WorkloadList,
    /// The strategy, or runtime, ratios are taken against [default: noclone when it is in
    /// the run, else the first row].
    #[arg(long, value_name = "ROW")]
    pub reference: Option<String>,
    /// Real runtimes on PATH to run on the same bundle as peers (`runc,crun,youki`),
    /// interleaved with everything else.
    #[arg(long, value_name = "LIST")]
    pub runtimes: Option<crate::peer::KnownList>,
    /// Any OCI runtime binary as a peer, named NAME in the results (repeatable): compare
    /// builds of one runtime side by side. It runs from PATH as typed, as a shell runs it.
    #[arg(long, value_name = "NAME=PATH")]
    pub runtime: Vec<crate::peer::RuntimeArg>,
    /// A global argument for runtime NAME, passed before its subcommand (repeatable).
    #[arg(long, value_name = "NAME=ARG")]
    pub runtime_arg: Vec<crate::peer::RuntimeExtraArg>,
    /// An OCI bundle for container-start and the peers (default: one made for the run).
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Run a --bundle whose config.json has OCI hooks. Hooks are commands that every
    /// runtime runs as root on the host, outside any container, on every start (and they
    /// add their own time to every start); without this, such a bundle is refused.
    #[arg(long, requires = "bundle")]
    pub allow_hooks: bool,
    /// Run inside a new user namespace, root mapped to an unprivileged uid: which
    /// strategies work without real root.
    #[arg(long)]
    pub rootless: bool,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub export: ExportArgs,
    #[command(flatten)]
    pub display: DisplayArgs,
}

/// How the results are shown on the terminal.
#[derive(Args, Debug, Clone, Default)]
pub struct DisplayArgs {
    /// Every figure of a row (the CI of the median, mean ± σ, min, max, CPU times, this
    /// run's own interval, outliers, faults, mount events, memory), not only the columns a
    /// reader needs first.
    #[arg(long)]
    pub wide: bool,
    /// Table style: `full` (Unicode, colour), `nocolor`, `basic` (ASCII), `none`; `auto`
    /// is `full` on a terminal and `basic` otherwise. NO_COLOR turns colour off.
    #[arg(long, value_enum, default_value_t = crate::output::table::StyleArg::Auto)]
    pub style: crate::output::table::StyleArg,
    /// The unit of times in the table [default: each time in its own readable unit].
    #[arg(long, short = 'u', value_enum, default_value_t = crate::output::model::TimeUnit::Auto)]
    pub time_unit: crate::output::model::TimeUnit,
    /// The order of rows within each workload.
    #[arg(long, value_enum, default_value_t = crate::output::model::Sort::Run)]
    pub sort: crate::output::model::Sort,
}

impl DisplayArgs {
    pub fn display(&self) -> crate::output::Display {
        crate::output::Display {
            view: crate::output::model::View {
                wide: self.wide,
                unit: self.time_unit,
                sort: self.sort,
            },
            style: self.style,
        }
    }
}

/// How many starts, in what order.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// Measured rounds per pass (every row starts once per round, --block times). Without
    /// it, the count comes from --time-budget.
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..), conflicts_with_all = ["min_runs", "max_runs", "time_budget"])]
    pub runs: Option<u32>,
    /// With a time budget: at least this many rounds per pass.
    #[arg(long, short = 'm', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub min_runs: u32,
    /// With a time budget: at most this many rounds per pass.
    #[arg(long, short = 'M', value_parser = clap::value_parser!(u32).range(1..))]
    pub max_runs: Option<u32>,
    /// Seconds of measured starts per row, over all passes: the run lasts about this times
    /// the number of rows, in equal rounds for all. Beyond what the spread between runs
    /// allows, more rounds in one run narrow nothing that holds for the next.
    #[arg(long, default_value_t = 1.0, value_parser = parse_seconds)]
    pub time_budget: f64,
    /// Interleaved rounds of unmeasured starts before measuring, in every pass.
    #[arg(long, short = 'w', default_value_t = 5)]
    pub warmup: u32,
    /// Starts of one strategy in a row within each interleaved round.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub block: u32,
    /// Seed of the round order and of the bootstrap [default: random, printed so that a
    /// run can be repeated].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Size the runtime binary is padded to (runc is about 12 MiB).
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
    /// Kill a start (stage 2 or a runtime peer), or any command run on a peer's behalf, that
    /// runs longer than this many seconds, and count it as a failed start.
    #[arg(long, default_value = "30", value_name = "SECONDS", value_parser = parse_timeout)]
    pub run_timeout: f64,
    /// Time the phases of every start (seal, spawn, run, reap, teardown), and run the
    /// reference once more without them so that the instrumentation's cost is measured.
    #[arg(long)]
    pub phases: bool,
    /// Independent passes, each in a fresh worker with its own seed, sharing the time
    /// budget: the printed interval holds the spread between passes and between runs, so
    /// it is about the next run, not only this one. With 1, the interval describes this
    /// run only, and says so.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Calibration only: busy-wait DURATION (e.g. 60us) inside every timed start of
    /// STRATEGY, a real slowdown for measuring what the gate detects.
    #[arg(long, value_name = "STRATEGY=DURATION", hide = true)]
    pub inject_delay: Vec<String>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Files to write from a run's results. Any combination; each is written atomically.
#[derive(Args, Debug, Clone, Default)]
pub struct ExportArgs {
    /// The results as JSON, schema sealbench/1.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// hyperfine's JSON schema (command = <workload>/<strategy>), for its plotting scripts.
    #[arg(long, value_name = "FILE")]
    pub export_hyperfine_json: Option<PathBuf>,
    /// A Markdown table.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// One CSV line per (workload, strategy).
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,
    /// Go benchmark lines, one per pass (its median start), for benchstat.
    #[arg(long, value_name = "FILE")]
    pub export_benchstat: Option<PathBuf>,
    /// A self-contained HTML report (inline chart, no external requests, no JavaScript).
    #[arg(long, value_name = "FILE", alias = "html")]
    pub export_html: Option<PathBuf>,
    /// Write the charts (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

impl ExportArgs {
    /// What to write, as the export layer takes it.
    pub fn spec(&self) -> crate::export::ExportSpec {
        crate::export::ExportSpec {
            json: self.export_json.clone(),
            hyperfine_json: self.export_hyperfine_json.clone(),
            markdown: self.export_markdown.clone(),
            csv: self.export_csv.clone(),
            benchstat: self.export_benchstat.clone(),
            html: self.export_html.clone(),
            plot: self.plot.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A results file written by `compare --export-json`.
    pub file: PathBuf,
    /// The row ratios are taken against.
    #[arg(long, default_value = strategies::DEFAULT_REFERENCE)]
    pub reference: String,
    /// An earlier results file: every row's change against it, with its interval, in the
    /// terminal, the Markdown and the HTML report (as criterion compares with a baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub export: ExportArgs,
    #[command(flatten)]
    pub display: DisplayArgs,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A results file written by `compare --export-json`.
    pub file: PathBuf,
    /// The directory the charts (SVG and PNG) are written to.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The row ratios are taken against.
    #[arg(long, default_value = strategies::DEFAULT_REFERENCE)]
    pub reference: String,
}

#[derive(Args, Debug)]
pub struct GateArgs {
    /// The reference run, made with `compare --repeat 5 --export-json` (at least 5 passes),
    /// e.g. results/baseline.json. Without it, an A/B gate of two or more `--runtime`s.
    #[arg(long, required_unless_present = "runtime")]
    pub baseline: Option<PathBuf>,
    /// A/B gate: runtime builds to run interleaved on container-start (NAME=PATH,
    /// repeatable); each is judged against `--reference`, another of them.
    #[arg(long, value_name = "NAME=PATH", conflicts_with = "baseline")]
    pub runtime: Vec<crate::peer::RuntimeArg>,
    /// A global argument for runtime NAME, passed before its subcommand (repeatable).
    #[arg(long, value_name = "NAME=ARG")]
    pub runtime_arg: Vec<crate::peer::RuntimeExtraArg>,
    /// A/B gate: rounds per pass. A runtime's start varies more than a strategy's alone:
    /// at 100 rounds a pass's ratio of two identical builds spread by 1.9% (crun) and 3.2%
    /// (runc) here, and the gate's calibration (docs: gates) is at 200.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..))]
    pub runs: u32,
    /// A run to gate (at least 2 passes); without it, passes are made now with the
    /// baseline's settings.
    #[arg(long)]
    pub current: Option<PathBuf>,
    /// How much a strategy's ratio to the reference may rise: `3%` for every strategy
    /// (the default; 20% for those that copy the binary per start), or `NAME=PCT` for one.
    /// Repeatable.
    #[arg(long, value_name = "PCT|NAME=PCT", default_value = "3%")]
    pub max_regression: Vec<MarginSpec>,
    /// The row ratios are taken against: a strategy, or in an A/B gate one of the
    /// `--runtime`s (the build the others are judged against).
    #[arg(long, default_value = strategies::DEFAULT_REFERENCE)]
    pub reference: String,
    /// Passes to make now before judging.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..=50))]
    pub passes: u32,
    /// While a strategy is inconclusive, add passes one at a time up to this many.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=100))]
    pub max_passes: u32,
    /// Calibration only: busy-wait DURATION inside every timed start of STRATEGY.
    #[arg(long, value_name = "STRATEGY=DURATION", hide = true)]
    pub inject_delay: Vec<String>,
    /// Save the passes made now (the current run) as a results file.
    #[arg(long, value_name = "FILE")]
    pub export_current: Option<PathBuf>,
    /// Save the verdicts as JSON (schema sealbench-gate/1).
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Results files (`compare --export-json`) from different hosts or kernels.
    pub files: Vec<PathBuf>,
    /// The row ratios are taken against.
    #[arg(long, default_value = strategies::DEFAULT_REFERENCE)]
    pub reference: String,
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Write the grouped bar chart (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// exe-size, host-mounts, concurrency or memory-limit.
    #[arg(long)]
    pub param: crate::sweep::Param,
    /// The values, comma-separated: sizes (1M,16M), mount counts (0,1000), starters (1,4)
    /// or memory limits (8M,32M,none).
    #[arg(long)]
    pub values: String,
    #[arg(long, default_value = "all")]
    pub strategies: StrategyList,
    /// `all`, or a comma-separated list of workload names [default: exec-true;
    /// container-start for memory-limit].
    #[arg(long)]
    pub workload: Option<WorkloadList>,
    /// memory-limit: where a strategy's copy is made, so which cgroup pays for it:
    /// `container` (runc 1.1 and earlier: inside the container's cgroup) or `caller` (runc
    /// 1.2 and later: before the container's process joins it) [default: container].
    #[arg(long, value_name = "WHERE")]
    pub copy_in: Option<crate::workload::CopyIn>,
    /// memory-limit, concurrency: real runtimes on PATH to run as peers
    /// (`runc,crun,youki`), limited through their bundle, or n of them at once.
    #[arg(long, value_name = "LIST")]
    pub runtimes: Option<crate::peer::KnownList>,
    /// memory-limit, concurrency: any OCI runtime binary as a peer, named NAME
    /// (repeatable).
    #[arg(long, value_name = "NAME=PATH")]
    pub runtime: Vec<crate::peer::RuntimeArg>,
    /// A global argument for runtime NAME, passed before its subcommand (repeatable).
    #[arg(long, value_name = "NAME=ARG")]
    pub runtime_arg: Vec<crate::peer::RuntimeExtraArg>,
    /// Measured rounds: every (value, strategy) starts once per round (for concurrency,
    /// about this many kept starts per starter, in blocks).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    #[arg(long, default_value_t = 3)]
    pub warmup: u32,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Runtime binary size for the sweeps that do not vary it.
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
    /// Run inside a new user namespace, root mapped to an unprivileged uid.
    #[arg(long)]
    pub rootless: bool,
    /// Kill a start that runs longer than this, and count it as a failed run.
    #[arg(long, default_value = "30", value_parser = parse_timeout)]
    pub run_timeout: f64,
    /// The sweep as JSON, schema sealbench-sweep/1.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Write the sweep's chart (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// `all`, or a comma-separated list of strategy names.
    #[arg(long, default_value = "all")]
    pub strategies: StrategyList,
    /// Size the decoy runtime binaries are padded to.
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    pub exe_size: u64,
    /// Where to attack from: the exec-true chain (`exec-true`), a real container started
    /// by sealbench's libcontainer runtime (`full-start`), or both (`all`).
    #[arg(long, default_value = "all")]
    pub workload: AuditBlocks,
    /// Real runtimes on PATH to attack too, each from a decoy copy of its binary
    /// (`runc,crun,youki`).
    #[arg(long, value_name = "LIST")]
    pub runtimes: Option<crate::peer::KnownList>,
    /// Any OCI runtime binary to attack, from a decoy copy (NAME=PATH, repeatable).
    #[arg(long, value_name = "NAME=PATH")]
    pub runtime: Vec<crate::peer::RuntimeArg>,
    /// A global argument for runtime NAME, passed before its subcommand (repeatable).
    #[arg(long, value_name = "NAME=ARG")]
    pub runtime_arg: Vec<crate::peer::RuntimeExtraArg>,
    /// The findings as JSON, schema sealbench-audit/1.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// The matrix as Markdown.
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
}

named_enum! {
    /// Which blocks of the audit to run.
    pub enum AuditBlocks, "audit workload" {
        All = "all",
        ExecTrue = "exec-true",
        FullStart = "full-start",
    }
}

#[derive(Args, Debug)]
pub struct BundleArgs {
    #[command(subcommand)]
    pub action: BundleAction,
}

#[derive(Subcommand, Debug)]
pub enum BundleAction {
    /// Write config.json and a rootfs with a static /bin/true into DIR.
    Create {
        dir: PathBuf,
        /// Write into DIR even if it is not empty (replacing config.json and
        /// rootfs/bin/true, never following a symlink inside it).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[arg(long)]
    pub strategy: String,
    #[arg(long, default_value = "exec-true")]
    pub workload: String,
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
}

/// The longest time budget or timeout taken: a day. Beyond it a number of seconds is a
/// typo, and a Duration of it could overflow.
const MAX_SECONDS: f64 = 86_400.0;

/// The shortest `--run-timeout`: the watchdog looks every 10 ms at best, and a start
/// (runc's included) takes milliseconds, so less would kill healthy starts or never fire.
pub const MIN_RUN_TIMEOUT: f64 = 0.1;

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('s').parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_SECONDS => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds above 0 and at most {MAX_SECONDS}"
        )),
    }
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match parse_seconds(s) {
        Ok(v) if v >= MIN_RUN_TIMEOUT => Ok(v),
        _ => Err(format!(
            "{s:?} is not a timeout from {MIN_RUN_TIMEOUT} to {MAX_SECONDS} seconds"
        )),
    }
}
