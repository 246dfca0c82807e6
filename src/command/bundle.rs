use crate::cli::{BundleAction, BundleArgs};
use crate::error::{Error, Result};

/// `sealbench bundle create DIR`.
pub fn run(args: &BundleArgs) -> Result<i32> {
    match &args.action {
        BundleAction::Create { dir, force } => {
            crate::bundle::create(dir, *force).map_err(|e| Error::usage(e.to_string()))?;
            crate::output::emit::out(&format!("{}\n", dir.display()))?;
            Ok(0)
        }
    }
}
