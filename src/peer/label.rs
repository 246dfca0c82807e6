//! What a runtime's version says it should seal with: the expectation kept beside the
//! seal path observed on the run (`observe`), never a substitute for it. Sources: runc's
//! release history as summarised in shared/reference/runc-5272-page-cache.md.

use crate::observe::SealPath;
use crate::results::BuildVariant;

/// The expected seal path (where one can be named) and a line saying why.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub seal: Option<SealPath>,
    pub note: String,
}

fn expected(seal: Option<SealPath>, note: &str) -> Expected {
    Expected {
        seal,
        note: note.to_string(),
    }
}

/// `major.minor.patch` of the first version-looking word after `prefix`.
fn numbers(line: &str, prefix: &str) -> Option<(u32, u32, u32)> {
    let rest = line.strip_prefix(prefix)?.trim_start();
    let word = rest
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?;
    let mut parts = word.split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// The expectation for a runtime whose `--version` printed `version` first, built as
/// `variant` where a sealbench runc build says so (its provenance).
pub fn expected_seal(version: &str, variant: Option<BuildVariant>) -> Expected {
    match variant {
        Some(BuildVariant::Noclone) => {
            return expected(
                Some(SealPath::None),
                "runc built by sealbench as `noclone`: executes its binary as it is",
            )
        }
        Some(BuildVariant::Memfd) => return expected(
            Some(SealPath::Memfd),
            "runc built by sealbench as `memfd`: a sealed memfd copy per start, overlayfs skipped",
        ),
        Some(BuildVariant::Overlayfs) => {
            return expected(
                Some(SealPath::Overlayfs),
                "runc built by sealbench as `overlayfs`: overlayfs only, its failure fatal",
            )
        }
        Some(BuildVariant::Shipped) | None => {}
    }
    let v = version.to_ascii_lowercase();
    if v.contains("youki") {
        return expected(
            Some(SealPath::Memfd),
            "youki: re-executes itself from a sealed memfd copy on every invocation (pentacle)",
        );
    }
    if v.starts_with("crun") {
        return expected(
            None,
            "crun: a sealed memfd copy or a detached read-only bind (open_tree), by version and kernel",
        );
    }
    match numbers(&v, "runc version") {
        Some((1, 0, _)) | Some((1, 1, 0..=14)) => expected(
            Some(SealPath::Bindfd),
            "runc 1.0 to 1.1.14: a read-only bind of its binary made and detached per start (bindfd), else a sealed memfd copy",
        ),
        Some((1, 1, _)) => expected(
            Some(SealPath::Memfd),
            "runc 1.1.15 and later 1.1: a sealed memfd copy per start (bindfd removed)",
        ),
        Some((1, 2, 0)) => expected(
            Some(SealPath::Overlayfs),
            "runc 1.2.0: a read-only overlayfs of its binary's directory, else a memfd copy (runc-dmz only with RUNC_DMZ=true)",
        ),
        Some((1, m, _)) if m >= 2 => expected(
            Some(SealPath::Overlayfs),
            "runc 1.2.1 and later: a read-only overlayfs of its binary's directory, else a sealed memfd copy, else O_TMPFILE",
        ),
        Some((0, _, _)) => expected(
            Some(SealPath::Memfd),
            "runc before 1.0: a sealed memfd copy per start",
        ),
        _ => expected(None, "unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runc_lines_are_labelled_by_what_each_release_does() {
        let seal = |v: &str| expected_seal(v, None).seal;
        // Debian's runc: bindfd first (2 mount events per start here).
        assert_eq!(seal("runc version 1.1.5+ds1"), Some(SealPath::Bindfd));
        assert_eq!(seal("runc version 1.1.14"), Some(SealPath::Bindfd));
        assert_eq!(seal("runc version 1.1.15"), Some(SealPath::Memfd));
        // 1.2.0 already seals with overlayfs; runc-dmz was opt-in.
        assert_eq!(seal("runc version 1.2.0"), Some(SealPath::Overlayfs));
        assert_eq!(seal("runc version 1.5.1"), Some(SealPath::Overlayfs));
        assert_eq!(seal("youki version 0.7.0"), Some(SealPath::Memfd));
        assert_eq!(seal("crun version 1.8.1"), None);
        assert_eq!(seal("something else"), None);
        assert_eq!(
            expected_seal("runc version 1.5.1", Some(BuildVariant::Memfd)).seal,
            Some(SealPath::Memfd)
        );
    }
}
