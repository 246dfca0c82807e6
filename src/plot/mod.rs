//! Charts of a results file, each written as SVG and as PNG with plotters. Text is drawn
//! with a bundled DejaVu Sans through ab_glyph, so PNGs render on machines with no fonts.
//! A strategy has one colour in every chart, from colour-blind-safe palettes
//! (`palette.rs`); ticks, axis breaks and text that fits come from `axis.rs`.

mod axis;
mod distribution;
mod font;
mod medians;
mod merge;
mod palette;
mod panel;
mod phases;
mod ratios;
mod sweep;

use crate::error::Error;
use crate::results::{Analyzed, Results};
use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Pixel size of one workload's panel.
const PANEL_W: u32 = 1100;
const PANEL_H: u32 = 480;

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum DrawError {
    /// What plotters said. Its errors are generic over the backend, so what is kept of
    /// them is their text.
    #[error("{0}")]
    Backend(String),
    /// The data asks for an axis no chart can have (see `axis`): the input's fault.
    #[error("{0}")]
    Axis(String),
}

impl From<String> for DrawError {
    fn from(text: String) -> Self {
        DrawError::Backend(text)
    }
}

type Drawn = Result<(), DrawError>;

/// One chart, drawn the same way on any backend.
trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn;
}

/// Draw `chart` to `<name>.svg` and `<name>.png` in `dir`. Both are drawn in memory and
/// written as every export is (a temporary no one else can name, renamed over a regular
/// file or into a free name), so a chart never goes through a planted symlink.
fn write_both(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    chart: &impl Chart,
) -> crate::error::Result<[PathBuf; 2]> {
    font::register();
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::usage(format!("cannot create {}: {e}", dir.display())))?;
    let (svg_path, png_path) = (
        dir.join(format!("{name}.svg")),
        dir.join(format!("{name}.png")),
    );
    let fail = |p: &Path, e: DrawError| {
        let text = format!("cannot draw {}: {e}", p.display());
        match e {
            DrawError::Axis(_) => Error::usage(text),
            DrawError::Backend(_) => Error::failure(text),
        }
    };
    let svg = svg_of(size, chart).map_err(|e| fail(&svg_path, e))?;
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        chart.draw(&area).map_err(|e| fail(&png_path, e))?;
        area.present()
            .map_err(|e| fail(&png_path, e.to_string().into()))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| fail(&png_path, e.to_string().into()))?;
    crate::safe_fs::write_atomic(&svg_path, svg.as_bytes())?;
    crate::safe_fs::write_atomic(&png_path, &png)?;
    Ok([svg_path, png_path])
}

/// A run's chart size: one panel per workload.
fn run_size(results: &Results) -> (u32, u32) {
    (
        PANEL_W,
        PANEL_H * panel::workloads(results).len().max(1) as u32,
    )
}

fn svg_of(size: (u32, u32), chart: &impl Chart) -> Result<String, DrawError> {
    font::register();
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart.draw(&area)?;
        area.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The ratio chart of a run as SVG text, for the HTML report.
pub fn ratios_svg(results: &Analyzed) -> Result<String, DrawError> {
    let reference = results.reference();
    svg_of(run_size(results), &ratios::Ratios { results, reference })
}

/// The distribution chart (every row's starts, as box plots) as SVG text, for the HTML
/// report.
pub fn distribution_svg(results: &Analyzed) -> Result<String, DrawError> {
    svg_of(run_size(results), &distribution::Distribution { results })
}

/// The phases chart of a run as SVG text, if it has phases.
pub fn phases_svg(results: &Analyzed) -> Option<Result<String, DrawError>> {
    results
        .results
        .iter()
        .any(|e| e.analysis.phases.is_some())
        .then(|| svg_of(run_size(results), &phases::PhaseBars { results }))
}

/// Write every chart of a run into `dir`; returns the files written.
pub fn write_charts(results: &Analyzed, dir: &Path) -> crate::error::Result<Vec<PathBuf>> {
    let reference = results.reference();
    let size = run_size(results);
    let mut written = Vec::new();
    written.extend(write_both(
        dir,
        "ratios",
        size,
        &ratios::Ratios { results, reference },
    )?);
    written.extend(write_both(
        dir,
        "medians",
        size,
        &medians::Medians { results, reference },
    )?);
    written.extend(write_both(
        dir,
        "distribution",
        size,
        &distribution::Distribution { results },
    )?);
    if results.results.iter().any(|e| e.analysis.phases.is_some()) {
        written.extend(write_both(
            dir,
            "phases",
            size,
            &phases::PhaseBars { results },
        )?);
    }
    Ok(written)
}

/// One chart per workload of a sweep, `sweep-<param>[-<workload>].{svg,png}`.
pub fn write_sweep_charts(
    sweep: &crate::sweep::SweepResults,
    dir: &Path,
) -> crate::error::Result<Vec<PathBuf>> {
    if sweep.param == crate::sweep::Param::MemoryLimit {
        return Err(crate::error::Error::usage(
            "a memory-limit sweep's figures are counts of starts, not a curve: see its table and JSON",
        ));
    }
    let workloads: indexmap::IndexSet<&str> =
        sweep.results.iter().map(|r| r.workload.as_str()).collect();
    let mut written = Vec::new();
    for workload in &workloads {
        let name = if workloads.len() == 1 {
            format!("sweep-{}", sweep.param)
        } else {
            format!("sweep-{}-{workload}", sweep.param)
        };
        let height = 900 + 300 * sweep::extra_panels(sweep);
        written.extend(write_both(
            dir,
            &name,
            (PANEL_W, height),
            &sweep::SweepChart { sweep, workload },
        )?);
    }
    Ok(written)
}

/// The grouped bar chart of a merge, `merge.{svg,png}`.
pub fn write_merge_chart(
    m: &crate::results::merge::Merged,
    dir: &Path,
) -> crate::error::Result<Vec<PathBuf>> {
    let panels = crate::results::merge::rows(m)
        .iter()
        .map(|(w, _)| w.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    Ok(write_both(
        dir,
        "merge",
        (PANEL_W, PANEL_H * panels.max(1) as u32),
        &merge::MergeChart { m },
    )?
    .to_vec())
}

#[cfg(test)]
mod tests;
