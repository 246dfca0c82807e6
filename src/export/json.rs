use super::Exporter;
use crate::error::{AppError, AppResult};
use crate::results::{Results, SCHEMA};
use std::path::Path;

/// The native results file, schema `sealbench/1`.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn serialize(&self, results: &Results) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(results).expect("results serialize");
        out.push(b'\n');
        out
    }
}

/// Read a results file, naming the problem (and the line and column of a parse error).
pub fn parse_results(path: &Path) -> AppResult<Results> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::usage(format!("{}: {e}", path.display())))?;
    parse_results_text(&text, path)
}

/// [`parse_results`] on text already read; `path` names it in errors.
pub fn parse_results_text(text: &str, path: &Path) -> AppResult<Results> {
    if text.trim().is_empty() {
        return Err(AppError::usage(format!(
            "{}: empty file, not a sealbench results file",
            path.display()
        )));
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        AppError::usage(format!(
            "{}: not JSON: {} at line {} column {}",
            path.display(),
            e,
            e.line(),
            e.column()
        ))
    })?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        Some(other) if other.starts_with("sealbench/") => {
            return Err(AppError::usage(format!(
                "{}: schema {other:?} is not one this sealbench reads ({SCHEMA}); is it from a newer version?",
                path.display()
            )))
        }
        _ => {
            return Err(AppError::usage(format!(
                "{}: not a sealbench results file (no \"schema\": \"{SCHEMA}\")",
                path.display()
            )))
        }
    }
    serde_json::from_value(value)
        .map_err(|e| AppError::usage(format!("{}: malformed results: {e}", path.display())))
}
