//! Statistics over the measured starts. Everything a library gives is taken from statrs.

mod summary;

pub use summary::Summary;
