use crate::cli::ExportArgs;
use crate::error::{AppError, AppResult};
use crate::export::Exports;
use crate::output;
use crate::results::Results;
use crate::stats;

/// Check every output path of a run before the run, so a typo costs seconds, not a run.
pub fn check_outputs(export: &ExportArgs) -> AppResult<()> {
    Exports::new(export).check()?;
    if let Some(dir) = &export.plot {
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::usage(format!("cannot create {}: {e}", dir.display())))?;
        crate::export::check_writable(&dir.join("medians.svg"))?;
    }
    Ok(())
}

/// What `compare` shows and writes after a run, and `report` from a saved run: the same
/// code on the same data, so the two agree to the byte.
pub fn render(mut results: Results, reference: &str, export: &ExportArgs) -> AppResult<Results> {
    let notes = stats::analyze(&mut results, reference);
    output::print_results(&results, reference, &notes);
    Exports::new(export).write(&results)?;
    if let Some(dir) = &export.plot {
        for path in crate::plot::write_charts(&results, reference, dir)? {
            eprintln!("sealbench: wrote {}", path.display());
        }
    }
    Ok(results)
}
