use crate::{Exec, Result, SealStrategy, Sealed, Sealer, Target};
use std::ffi::CString;

/// The unprotected baseline: what every other strategy is measured against.
pub struct NoClone;

impl SealStrategy for NoClone {
    fn name(&self) -> &'static str {
        "noclone"
    }

    fn description(&self) -> &'static str {
        "exec the runtime binary as it is (unprotected baseline)"
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(NoCloneSealer {
            exe: target.exe().to_owned(),
        }))
    }
}

struct NoCloneSealer {
    exe: CString,
}

impl Sealer for NoCloneSealer {
    fn seal(&mut self) -> Result<Sealed> {
        Ok(Exec::Path(self.exe.clone()).into())
    }
}
