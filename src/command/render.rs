use crate::error::{Error, Result};
use crate::export::{ExportSpec, Exports};
use crate::output;
use crate::results::Results;
use std::path::Path;

/// Check every output path of a run before the run, so a typo costs seconds, not a run,
/// and no export overwrites one of `inputs` or another export.
pub fn check_outputs(export: &ExportSpec, inputs: &[&Path]) -> Result<()> {
    Exports::new(export).check(inputs)?;
    if let Some(dir) = &export.plot {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::usage(format!("cannot create {}: {e}", dir.display())))?;
        crate::export::check_writable(&dir.join("medians.svg"))?;
    }
    Ok(())
}

/// What `compare` shows and writes after a run, and `report` from a saved run: the same
/// code on the same data, so the two agree to the byte. The files come first, so that a
/// terminal that cannot be printed to costs no results.
pub fn render(
    results: Results,
    reference: &str,
    export: &ExportSpec,
    display: &output::Display,
) -> Result<Results> {
    render_against(results, None, reference, export, display)
}

/// [`render`], with every row's change against `baseline` when one is given.
pub fn render_against(
    results: Results,
    baseline: Option<Results>,
    reference: &str,
    export: &ExportSpec,
    display: &output::Display,
) -> Result<Results> {
    let mut results = crate::results::analyze(results, reference);
    if let Some(b) = baseline {
        results = results.against(b);
    }
    let exports = Exports::new(export);
    exports.write(&results)?;
    if let Some(dir) = &export.plot {
        for path in crate::plot::write_charts(&results, dir)? {
            output::emit::err(&format!("sealbench: wrote {}", path.display()));
        }
    }
    output::emit::results(&results, exports.to_stdout(), display)?;
    Ok(results.into_results())
}

/// `--reference` must name a row of the file that ran (`ok`), or no ratio can be taken.
pub fn check_reference(results: &Results, reference: &str, path: &Path) -> Result<()> {
    if results
        .results
        .iter()
        .any(|e| e.strategy == reference && e.is_ok())
    {
        return Ok(());
    }
    // A strategy runs under several workloads: named once, whatever the rows' order.
    let names: Vec<&str> = results
        .results
        .iter()
        .filter(|e| e.is_ok())
        .map(|e| e.strategy.as_str())
        .collect::<indexmap::IndexSet<_>>()
        .into_iter()
        .collect();
    Err(Error::usage(format!(
        "--reference {reference:?}: {} has no such row that ran (it has: {})",
        path.display(),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )))
}
