use std::ffi::{c_char, CString};

/// A NULL-terminated array of C strings, built before fork so the child only reads it.
pub struct Argv {
    _strings: Vec<CString>,
    ptrs: Vec<*const c_char>,
}

// SAFETY: the pointers point into the CStrings this Argv owns, which move with it and are
// never mutated; nothing else refers to them.
unsafe impl Send for Argv {}

impl Argv {
    pub fn new<I, S>(items: I) -> Argv
    where
        I: IntoIterator<Item = S>,
        S: Into<Vec<u8>>,
    {
        let strings: Vec<CString> = items
            .into_iter()
            .map(|s| CString::new(s).expect("argument with a NUL byte"))
            .collect();
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
    }
}
