//! sealbench: compare, with real kernel behaviour, the ways a container runtime can seal
//! its own binary against being overwritten through /proc/<pid>/exe (CVE-2019-5736).

mod audit;
mod benchmark;
mod bundle;
mod cli;
mod command;
mod error;
mod export;
mod host;
mod output;
mod peer;
mod plot;
mod process;
mod results;
mod sandbox;
mod selection;
mod side_effects;
mod size;
mod stats;
mod sweep;
mod workload;

use clap::Parser;
use cli::{Cli, Command};
use error::exit;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let outcome = match &cli.command {
        Command::List(a) => command::list::run(a),
        Command::Compare(a) => command::compare::run(a),
        Command::Report(a) => command::report::run(a),
        Command::Bundle(a) => command::bundle::run(a),
        Command::Audit(a) => command::audit::run(a),
        Command::Sweep(a) => command::sweep::run(a),
        Command::Plot(a) => command::report::plot(a),
        Command::Inspect(a) => command::inspect::run(a),
        Command::Attack { attack, arg } => Ok(command::attack::run(attack, arg.as_deref())),
    };
    let code = match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sealbench: error: {e}");
            e.code
        }
    };
    std::process::exit(code);
}
