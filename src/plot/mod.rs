//! Charts of a results file, each written as SVG and as PNG with plotters. Text is drawn
//! with a bundled DejaVu Sans through ab_glyph, so PNGs render on machines with no fonts.

mod distribution;
mod font;
mod medians;
mod panel;
mod sweep;

use crate::error::{AppError, AppResult};
use crate::results::Results;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Pixel size of one workload's panel.
const PANEL_W: u32 = 1100;
const PANEL_H: u32 = 480;

/// One chart, drawn the same way on any backend.
trait Chart {
    const NAME: &'static str;
    fn draw<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        results: &Results,
        reference: &str,
    ) -> Result<(), String>;
}

/// Write every chart for `results` into `dir`; returns the files written.
pub fn write_charts(results: &Results, reference: &str, dir: &Path) -> AppResult<Vec<PathBuf>> {
    font::register();
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::usage(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    write_chart::<medians::Medians>(results, reference, dir, &mut written)?;
    write_chart::<distribution::Distribution>(results, reference, dir, &mut written)?;
    Ok(written)
}

/// Write one chart per workload of a sweep, `sweep-<param>[-<workload>].{svg,png}`.
pub fn write_sweep_charts(sweep: &crate::sweep::SweepResults, dir: &Path) -> AppResult<Vec<PathBuf>> {
    font::register();
    std::fs::create_dir_all(dir).map_err(|e| AppError::usage(format!("cannot create {}: {e}", dir.display())))?;
    let mut workloads: Vec<&str> = Vec::new();
    for r in &sweep.results {
        if !workloads.contains(&r.workload.as_str()) {
            workloads.push(&r.workload);
        }
    }
    let mut written = Vec::new();
    for w in &workloads {
        let name = if workloads.len() == 1 { format!("sweep-{}", sweep.param) } else { format!("sweep-{}-{w}", sweep.param) };
        let fail = |p: &Path, e: String| AppError::failure(format!("cannot draw {}: {e}", p.display()));
        let (svg_path, png_path) = (dir.join(format!("{name}.svg")), dir.join(format!("{name}.png")));
        let (svg_tmp, png_tmp) = (dir.join(format!(".{name}.svg.tmp")), dir.join(format!(".{name}.tmp.png")));
        {
            let area = SVGBackend::new(&svg_tmp, (PANEL_W, 560)).into_drawing_area();
            sweep::draw(&area, sweep, w).map_err(|e| fail(&svg_path, e))?;
            area.present().map_err(|e| fail(&svg_path, e.to_string()))?;
        }
        {
            let area = BitMapBackend::new(&png_tmp, (PANEL_W, 560)).into_drawing_area();
            sweep::draw(&area, sweep, w).map_err(|e| fail(&png_path, e))?;
            area.present().map_err(|e| fail(&png_path, e.to_string()))?;
        }
        for (tmp, path) in [(svg_tmp, svg_path), (png_tmp, png_path)] {
            std::fs::rename(&tmp, &path).map_err(|e| fail(&path, e.to_string()))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Draw one chart to SVG and PNG under temporary names, then rename them into place, as
/// every export is written.
fn write_chart<C: Chart>(
    results: &Results,
    reference: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> AppResult<()> {
    let panels = panel::workloads(results).len().max(1) as u32;
    let size = (PANEL_W, PANEL_H * panels);
    let name = C::NAME;
    let (svg_path, png_path) = (
        dir.join(format!("{name}.svg")),
        dir.join(format!("{name}.png")),
    );
    let (svg_tmp, png_tmp) = (
        dir.join(format!(".{name}.svg.tmp")),
        dir.join(format!(".{name}.tmp.png")),
    );
    let fail = |p: &Path, e: String| AppError::failure(format!("cannot draw {}: {e}", p.display()));
    {
        let area = SVGBackend::new(&svg_tmp, size).into_drawing_area();
        C::draw(&area, results, reference).map_err(|e| fail(&svg_path, e))?;
        area.present().map_err(|e| fail(&svg_path, e.to_string()))?;
    }
    {
        let area = BitMapBackend::new(&png_tmp, size).into_drawing_area();
        C::draw(&area, results, reference).map_err(|e| fail(&png_path, e))?;
        area.present().map_err(|e| fail(&png_path, e.to_string()))?;
    }
    for (tmp, path) in [(svg_tmp, svg_path), (png_tmp, png_path)] {
        std::fs::rename(&tmp, &path).map_err(|e| fail(&path, e.to_string()))?;
        written.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
