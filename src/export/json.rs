use super::Exporter;
use crate::error::{Error, Result};
use crate::results::{Analyzed, Results, SCHEMA};
use std::path::Path;

/// The native results file, schema `sealbench/1`.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(&**results).expect("results serialize");
        out.push(b'\n');
        out
    }
}

/// The largest results file read: far above a million samples (about 80 MB), far below
/// what would exhaust memory once parsed.
pub const MAX_RESULTS_BYTES: u64 = 256 << 20;

/// Read a results file, naming the problem (and the line and column of a parse error).
/// Only a regular file is read, up to [`MAX_RESULTS_BYTES`]; every row is then checked
/// (see [`crate::results::validate`]).
pub fn parse_results(path: &Path) -> Result<Results> {
    let bytes = crate::safe_fs::read_regular(path, MAX_RESULTS_BYTES)
        .map_err(|e| Error::usage(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::usage(format!("{}: not UTF-8 text: {e}", path.display())))?;
    parse_results_text(&text, path)
}

/// serde_json's message without the position it appends, which is given once, here.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// Why a `sealbench/N` schema other than ours cannot be read.
fn foreign_version(other: &str) -> String {
    let ours: Option<u32> = SCHEMA.rsplit('/').next().and_then(|v| v.parse().ok());
    let theirs: Option<u32> = other.rsplit('/').next().and_then(|v| v.parse().ok());
    match (theirs, ours) {
        (Some(t), Some(o)) if t > o => {
            format!("is it from a newer version? This one reads {SCHEMA}")
        }
        (Some(_), Some(_)) => format!("no sealbench ever wrote it; this one reads {SCHEMA}"),
        _ => format!("not a version this sealbench knows; it reads {SCHEMA}"),
    }
}

/// [`parse_results`] on text already read; `path` names it in errors.
pub fn parse_results_text(text: &str, path: &Path) -> Result<Results> {
    if text.trim().is_empty() {
        return Err(Error::usage(format!(
            "{}: empty file, not a sealbench results file",
            path.display()
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::usage(format!(
            "{}: not JSON: {} at line {} column {}",
            path.display(),
            without_position(&e),
            e.line(),
            e.column()
        ))
    })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) if other.starts_with("sealbench/") => {
            return Err(Error::usage(format!(
                "{}: schema {other:?} is not one this sealbench reads: {}",
                path.display(),
                foreign_version(other)
            )))
        }
        _ => {
            return Err(Error::usage(format!(
                "{}: not a sealbench results file (no \"schema\": \"{SCHEMA}\")",
                path.display()
            )))
        }
    }
    let results: Results = serde_json::from_value(value)
        .map_err(|e| Error::usage(format!("{}: malformed results: {e}", path.display())))?;
    crate::results::validate(&results)
        .map_err(|problem| Error::usage(format!("{}: {problem}", path.display())))?;
    Ok(results)
}
