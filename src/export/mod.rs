//! Writing results files. Every file is written to a temporary name beside it and renamed
//! into place, so a failing run never leaves a half-written file over a good one.

mod atomic;
mod json;

pub use atomic::{check_writable, write_atomic};
pub use json::{JsonExporter, parse_results};

use crate::results::Results;

/// One output format.
pub trait Exporter {
    fn serialize(&self, results: &Results) -> Vec<u8>;
}
