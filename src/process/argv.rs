use std::ffi::{c_char, CString};

/// A NULL-terminated array of C strings, built before fork so the child only reads it.
pub struct Argv {
    _strings: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

// SAFETY: the pointers point into the CStrings this Argv owns, which move with it and are
// never mutated; nothing else refers to them.
unsafe impl Send for Argv {}

/// A copy has pointers of its own, into its own strings.
impl Clone for Argv {
    fn clone(&self) -> Argv {
        Argv::from_strings(self._strings.clone())
    }
}

impl Argv {
    /// The strings as a C vector; one holding a NUL byte (a bundle's `process.args` may
    /// say `\u0000`) cannot be passed to exec and is an error naming it.
    pub fn new<I, S>(items: I) -> crate::error::Result<Argv>
    where
        I: IntoIterator<Item = S>,
        S: Into<Vec<u8>>,
    {
        let strings: Vec<CString> = items
            .into_iter()
            .map(|s| {
                CString::new(s).map_err(|e| {
                    crate::error::Error::failure(format!(
                        "argument {:?} holds a NUL byte, which exec cannot pass",
                        String::from_utf8_lossy(&e.into_vec())
                    ))
                })
            })
            .collect::<crate::error::Result<_>>()?;
        Ok(Argv::from_strings(strings))
    }

    fn from_strings(strings: Vec<CString>) -> Argv {
        let mut ptrs: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Argv {
            _strings: strings,
            ptrs,
        }
    }

    pub fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }

    /// The environment every child gets: enough to find a payload, nothing of the caller's.
    pub fn minimal_env() -> Argv {
        Argv::new(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
            .expect("a constant without NUL")
    }
}
