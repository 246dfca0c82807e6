//! What a person sees on the terminal.

pub mod emit;
mod format;
mod progress;
mod summary;
mod table;

pub use format::duration;
pub use progress::Progress;
pub use summary::{summary, warnings};
pub use table::{print_results, results_table};
