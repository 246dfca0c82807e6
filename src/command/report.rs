use crate::cli::{ExportArgs, PlotArgs, ReportArgs};
use crate::error::AppResult;
use crate::export::parse_results;

/// `sealbench report FILE.json`: tables, exports and charts from a saved run.
pub fn run(args: &ReportArgs) -> AppResult<i32> {
    let results = parse_results(&args.file)?;
    super::render::check_reference(&results, &args.reference, &args.file)?;
    super::render::check_outputs(&args.export, &[&args.file])?;
    super::render::render(results, &args.reference, &args.export)?;
    Ok(0)
}

/// `sealbench plot FILE.json --out DIR`.
pub fn plot(args: &PlotArgs) -> AppResult<i32> {
    let mut results = parse_results(&args.file)?;
    super::render::check_reference(&results, &args.reference, &args.file)?;
    crate::stats::analyze(&mut results, &args.reference);
    let export = ExportArgs {
        plot: Some(args.out.clone()),
        ..ExportArgs::default()
    };
    super::render::check_outputs(&export, &[&args.file])?;
    let written = crate::plot::write_charts(&results, &args.reference, &args.out)?;
    let lines: String = written
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    crate::output::emit::out(&lines)?;
    Ok(0)
}
