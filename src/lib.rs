//! sealbench: compare, with real kernel behaviour, the ways a container runtime can seal
//! its own binary against being overwritten through /proc/<pid>/exe (CVE-2019-5736).
//!
//! The `sealbench` binary is [`main`]; the criterion benches use the same pieces.

pub mod audit;
pub mod benchmark;
pub mod bundle;
pub mod cli;
pub mod command;
pub mod error;
pub mod export;
pub mod gate;
pub mod host;
pub mod interrupt;
pub mod measure;
mod named;
pub mod observe;
pub mod output;
pub mod peer;
pub mod plot;
pub mod printable;
pub mod process;
pub mod results;
pub mod safe_fs;
pub mod sandbox;
pub mod selection;
pub mod side_effects;
pub mod size;
pub mod stats;
pub mod sweep;
pub mod workload;

use clap::Parser;
use cli::{Cli, Command};
use error::exit;

/// Parse the command line, run the command, and return the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            output::emit::err(&format!(
                "sealbench: {} (see --help)",
                one_line(&e.to_string())
            ));
            return exit::USAGE;
        }
        Err(e) => {
            let _ = e.print();
            return exit::OK;
        }
    };
    let outcome = match &cli.command {
        Command::List(a) => command::list::run(a),
        Command::Doctor => command::doctor::run(),
        Command::Completions { shell } => command::help::completions(*shell),
        Command::Manpage => command::help::manpage(),
        Command::Compare(a) => command::compare::run(a),
        Command::Report(a) => command::report::run(a),
        Command::Bundle(a) => command::bundle::run(a),
        Command::Audit(a) => command::audit::run(a),
        Command::Sweep(a) => command::sweep::run(a),
        Command::Plot(a) => command::report::plot(a),
        Command::Inspect(a) => command::inspect::run(a),
        Command::Attack { attack, arg } => Ok(command::attack::run(attack, arg.as_deref())),
        Command::PeerAttacker { report } => Ok(command::peer_attacker::run(report)),
        Command::Gate(a) => command::gate::run(a),
        Command::Merge(a) => command::merge::run(a),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            output::emit::err(&format!("sealbench: error: {e}"));
            e.code()
        }
    }
}

/// clap's message on one line, every word of it kept (the arguments it names, its "did you
/// mean" tip), its usage block left to `--help`: one line naming the problem, as every
/// other bad input gets.
fn one_line(text: &str) -> String {
    text.lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(|l| l.trim().trim_start_matches("error: "))
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .map(|l| match l.strip_prefix("tip: ") {
            Some(tip) => format!("({tip})"),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn claps_words_survive_on_one_line() {
        let text = "error: the following required arguments were not provided:\n  --baseline <BASELINE>\n  --param <PARAM>\n\nUsage: sealbench gate --baseline <BASELINE>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            super::one_line(text),
            "the following required arguments were not provided: --baseline <BASELINE> --param <PARAM>"
        );
        let text = "error: unexpected argument '--strategie' found\n\n  tip: a similar argument exists: '--strategies'\n\nUsage: sealbench compare [OPTIONS]\n";
        assert_eq!(
            super::one_line(text),
            "unexpected argument '--strategie' found (a similar argument exists: '--strategies')"
        );
    }
}
