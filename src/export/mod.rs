//! Writing results files, one format per file. Every file is written to a temporary name
//! beside it and renamed into place, so a failing run never leaves a half-written file
//! over a good one.

mod atomic;
mod benchstat;
mod csv;
mod hyperfine;
mod json;
mod markdown;

pub use atomic::{check_writable, write_atomic};
pub use benchstat::{bench_name, BenchstatExporter};
pub use csv::{CsvExporter, HEADER as CSV_HEADER};
pub use hyperfine::HyperfineExporter;
pub use json::{parse_results, parse_results_text, JsonExporter};
pub use markdown::MarkdownExporter;

use crate::error::AppResult;
use crate::results::Results;
use std::path::PathBuf;

/// One output format.
pub trait Exporter {
    fn serialize(&self, results: &Results) -> Vec<u8>;
}

/// The exports asked for on the command line, in the order they are written.
pub struct Exports(Vec<(Box<dyn Exporter>, PathBuf)>);

impl Exports {
    pub fn new(args: &crate::cli::ExportArgs) -> Exports {
        let wanted: [(Option<&PathBuf>, fn() -> Box<dyn Exporter>); 5] = [
            (args.export_json.as_ref(), || Box::new(JsonExporter)),
            (args.export_hyperfine_json.as_ref(), || {
                Box::new(HyperfineExporter)
            }),
            (args.export_markdown.as_ref(), || Box::new(MarkdownExporter)),
            (args.export_csv.as_ref(), || Box::new(CsvExporter)),
            (args.export_benchstat.as_ref(), || {
                Box::new(BenchstatExporter)
            }),
        ];
        Exports(
            wanted
                .into_iter()
                .filter_map(|(p, make)| p.map(|p| (make(), p.clone())))
                .collect(),
        )
    }

    /// Fail before a run, not after it, when any export could not be written.
    pub fn check(&self) -> AppResult<()> {
        self.0.iter().try_for_each(|(_, p)| check_writable(p))
    }

    pub fn write(&self, results: &Results) -> AppResult<()> {
        self.0
            .iter()
            .try_for_each(|(e, p)| write_atomic(p, &e.serialize(results)))
    }
}

#[cfg(test)]
mod tests;
