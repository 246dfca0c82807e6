//! What a person sees on the terminal.

pub mod emit;
pub mod format;
pub mod gate;
pub mod model;
pub mod phases;
mod progress;
mod summary;
pub mod table;

pub use crate::printable::shown;
pub use emit::Display;
pub use format::duration;
pub use progress::Progress;
pub use summary::{summary, warnings};
pub use table::ratio_text;
