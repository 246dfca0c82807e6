//! The command line.

use crate::size::parse_size;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "sealbench", version, about = "Measure how a container runtime can seal its own binary (CVE-2019-5736)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the strategies and whether this kernel can run them.
    List(ListArgs),
    /// Measure starts of every selected strategy, interleaved, and report them.
    Compare(CompareArgs),
    /// Show what stage 2 sees of one strategy's sealed binary (used by the tests).
    #[command(hide = true)]
    Inspect(InspectArgs),
    /// The container side of CVE-2019-5736: reopen the held fd 4 for writing.
    #[command(hide = true, name = "__reopen-held")]
    ReopenHeld,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Size the runtime binary is padded to while probing.
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// `all`, or a comma-separated list of strategy names.
    #[arg(long, default_value = "all")]
    pub strategies: String,
    /// `all`, or a comma-separated list of workload names.
    #[arg(long, default_value = "exec-true")]
    pub workload: String,
    /// Measured starts per strategy.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Unmeasured starts per strategy before measuring.
    #[arg(long, default_value_t = 5)]
    pub warmup: u32,
    /// Starts of one strategy in a row within each interleaved round.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub block: u32,
    /// Seed of the round order (printed, so that a run can be repeated).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Size the runtime binary is padded to (runc is about 12 MiB).
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
    /// The strategy ratios are taken against.
    #[arg(long, default_value = "noclone")]
    pub reference: String,
    /// Write the results as JSON (schema sealbench/1).
    #[arg(long)]
    pub export_json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[arg(long)]
    pub strategy: String,
    #[arg(long, default_value = "12MiB", value_parser = parse_size)]
    pub exe_size: u64,
}
