//! Files named by the user, handled as root: a path from the command line or a bundle is
//! hostile. Inputs are read only when they are regular files, up to a cap; outputs are
//! only ever put over a regular file or where nothing is, never through a symlink, from a
//! temporary no one else can have named; paths inside a bundle resolve inside its root.

mod atomic;
mod identity;
mod input;
mod kind;
mod replace;
pub mod tree;

pub use atomic::{check_writable, write_atomic};
pub use identity::{FileId, OutputSet};
pub use input::{read_regular, ReadError};
pub use kind::{describe_kind, Kind};
pub use replace::{check_replaceable, replace_at, replace_file, ReplaceError, STDOUT};
