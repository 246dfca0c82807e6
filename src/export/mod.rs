//! Writing results files, one format per file. Every file is written to a temporary beside
//! it and renamed into place, so a failing run never leaves a half-written file over a
//! good one; only a regular file or nothing is ever replaced (see `safe_fs`).

mod benchstat;
mod csv;
mod html;
mod hyperfine;
mod json;
mod markdown;
mod samples;

pub use self::csv::{CsvExporter, HEADER as CSV_HEADER};
pub use crate::safe_fs::{check_writable, write_atomic};
pub use benchstat::{bench_name, BenchstatExporter};
pub use html::HtmlExporter;
pub use hyperfine::HyperfineExporter;
pub use json::{parse_results, parse_results_text, JsonExporter, MAX_RESULTS_BYTES};
pub use markdown::{cell as markdown_cell, MarkdownExporter};

use crate::error::{Error, Result};
use crate::results::Analyzed;
use crate::safe_fs::OutputSet;
use std::path::{Path, PathBuf};

/// The files a run's results go to, and where its charts go.
#[derive(Debug, Clone, Default)]
pub struct ExportSpec {
    pub json: Option<PathBuf>,
    pub hyperfine_json: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub benchstat: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// A directory for the charts (SVG and PNG).
    pub plot: Option<PathBuf>,
}

/// One output format.
pub trait Exporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8>;
}

/// The exports asked for on the command line, in the order they are written, with the
/// flag that asked for each.
pub struct Exports(Vec<(Box<dyn Exporter>, &'static str, PathBuf)>);

type Make = fn() -> Box<dyn Exporter>;

impl Exports {
    pub fn new(spec: &ExportSpec) -> Exports {
        let wanted: [(Option<&PathBuf>, &'static str, Make); 6] = [
            (spec.json.as_ref(), "--export-json", || {
                Box::new(JsonExporter)
            }),
            (
                spec.hyperfine_json.as_ref(),
                "--export-hyperfine-json",
                || Box::new(HyperfineExporter),
            ),
            (spec.markdown.as_ref(), "--export-markdown", || {
                Box::new(MarkdownExporter)
            }),
            (spec.csv.as_ref(), "--export-csv", || Box::new(CsvExporter)),
            (spec.benchstat.as_ref(), "--export-benchstat", || {
                Box::new(BenchstatExporter)
            }),
            (spec.html.as_ref(), "--export-html", || {
                Box::new(HtmlExporter)
            }),
        ];
        Exports(
            wanted
                .into_iter()
                .filter_map(|(p, flag, make)| p.map(|p| (make(), flag, p.clone())))
                .collect(),
        )
    }

    /// Fail before a run, not after it, when any export could not be written, or would
    /// overwrite one of `inputs` or another export.
    pub fn check(&self, inputs: &[&Path]) -> Result<()> {
        let mut set = OutputSet::default();
        inputs.iter().for_each(|p| set.input(p));
        for (_, flag, p) in &self.0 {
            check_writable(p)?;
            set.output(flag, p).map_err(Error::usage)?;
        }
        Ok(())
    }

    /// Whether any export goes to standard output (`-`), where the table would mix in.
    pub fn to_stdout(&self) -> bool {
        self.0
            .iter()
            .any(|(_, _, p)| p.as_os_str() == crate::safe_fs::STDOUT)
    }

    pub fn write(&self, results: &Analyzed) -> Result<()> {
        self.0
            .iter()
            .try_for_each(|(e, _, p)| write_atomic(p, &e.serialize(results)))
    }
}

#[cfg(test)]
mod tests;

/// [`Exports::check`] for the commands with exports of their own (`merge`, `audit`,
/// `sweep`): every `(flag, path)` writable and distinct from the inputs and each other.
pub fn check_paths(inputs: &[&Path], outputs: &[(&str, Option<&PathBuf>)]) -> Result<()> {
    let mut set = OutputSet::default();
    inputs.iter().for_each(|p| set.input(p));
    for (flag, p) in outputs {
        if let Some(p) = p {
            check_writable(p)?;
            set.output(flag, p).map_err(Error::usage)?;
        }
    }
    Ok(())
}
