use crate::cli::{PlotArgs, ReportArgs};
use crate::error::{Error, Result};
use crate::export::parse_results;
use crate::export::ExportSpec;

/// `sealbench report FILE.json`: tables, exports and charts from a saved run.
pub fn run(args: &ReportArgs) -> Result<i32> {
    let results = parse_results(&args.file)?;
    super::render::check_reference(&results, &args.reference, &args.file)?;
    let baseline = args
        .baseline
        .as_ref()
        .map(|b| parse_results(b))
        .transpose()?;
    let export = args.export.spec();
    let mut inputs = vec![args.file.as_path()];
    inputs.extend(args.baseline.as_deref());
    super::render::check_outputs(&export, &inputs)?;
    super::render::render_against(
        results,
        baseline,
        &args.reference,
        &export,
        &args.display.display(),
    )?;
    Ok(0)
}

/// `sealbench plot FILE.json --out DIR`.
pub fn plot(args: &PlotArgs) -> Result<i32> {
    let text = read_text(&args.file)?;
    if let Some(sweep) = sweep_file(&text, &args.file)? {
        let export = ExportSpec {
            plot: Some(args.out.clone()),
            ..ExportSpec::default()
        };
        super::render::check_outputs(&export, &[&args.file])?;
        let written = crate::plot::write_sweep_charts(&sweep, &args.out)?;
        return print_written(&written);
    }
    let results = crate::export::parse_results_text(&text, &args.file)?;
    super::render::check_reference(&results, &args.reference, &args.file)?;
    let results = crate::results::analyze(results, &args.reference);
    let export = ExportSpec {
        plot: Some(args.out.clone()),
        ..ExportSpec::default()
    };
    super::render::check_outputs(&export, &[&args.file])?;
    let written = crate::plot::write_charts(&results, &args.out)?;
    print_written(&written)
}

fn print_written(written: &[std::path::PathBuf]) -> Result<i32> {
    let lines: String = written
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    crate::output::emit::out(&lines)?;
    Ok(0)
}

/// The file, read once (a regular file of bounded size), as text.
fn read_text(path: &std::path::Path) -> Result<String> {
    let bytes = crate::safe_fs::read_regular(path, crate::export::MAX_RESULTS_BYTES)
        .map_err(|e| Error::usage(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|e| Error::usage(format!("{}: not UTF-8 text: {e}", path.display())))
}

/// A sweep's results (`sealbench-sweep/1`), re-analysed with its own seed, or `None` when
/// the text is not a sweep (then it is read as a compare run, with that reader's errors).
fn sweep_file(text: &str, path: &std::path::Path) -> Result<Option<crate::sweep::SweepResults>> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return Ok(None),
    };
    if value.get("schema").and_then(|s| s.as_str()) != Some(crate::sweep::SCHEMA) {
        return Ok(None);
    }
    let mut sweep: crate::sweep::SweepResults = serde_json::from_value(value)
        .map_err(|e| Error::usage(format!("{}: not a valid sweep file: {e}", path.display())))?;
    crate::sweep::analyze(&mut sweep.results, sweep.plan.seed);
    Ok(Some(sweep))
}
