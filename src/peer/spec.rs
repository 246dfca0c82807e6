//! The runtimes a run compares, as the user named them: `--runtimes runc,crun` (found on
//! PATH, as a shell finds them) and `--runtime NAME=PATH` (any OCI runtime binary). Each is
//! resolved, checked and hashed before the run, and is then launched as its users launch
//! it: from its own path, with argv[0] as a shell passes it.

use super::binary::RuntimeFile;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The longest runtime name: it names rows, state directories and container ids.
pub const MAX_NAME: usize = 64;

/// Rows that `--phases` adds end in this; a runtime may not take such a name.
const RESERVED_SUFFIX: &str = "-unphased";

/// Whether `name` may name a runtime's rows, or why not.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty()
        || name.len() > MAX_NAME
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(format!(
            "runtime name {:?}: use 1 to {MAX_NAME} letters, digits, '-', '_' and '.', not starting with '.'",
            name.chars().take(MAX_NAME + 8).collect::<String>()
        ));
    }
    if strategies::by_name(name).is_some() {
        return Err(format!(
            "runtime name {name:?} is a strategy's name: choose another"
        ));
    }
    if name.ends_with(RESERVED_SUFFIX) {
        return Err(format!(
            "runtime name {name:?}: names ending in {RESERVED_SUFFIX:?} are the rows --phases adds"
        ));
    }
    Ok(())
}

/// `--runtime NAME=PATH`, checked as the command line is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeArg {
    pub name: String,
    /// The path as typed.
    pub path: String,
}

impl std::str::FromStr for RuntimeArg {
    type Err = String;

    fn from_str(spec: &str) -> std::result::Result<RuntimeArg, String> {
        let (name, path) = spec
            .split_once('=')
            .ok_or_else(|| format!("{spec:?}: expected NAME=PATH"))?;
        check_name(name)?;
        if path.is_empty() {
            return Err(format!("{spec:?}: no path after '='"));
        }
        Ok(RuntimeArg {
            name: name.into(),
            path: path.into(),
        })
    }
}

/// `--runtime-arg NAME=ARG`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeExtraArg {
    pub name: String,
    pub arg: String,
}

impl std::str::FromStr for RuntimeExtraArg {
    type Err = String;

    fn from_str(spec: &str) -> std::result::Result<RuntimeExtraArg, String> {
        let (name, arg) = spec
            .split_once('=')
            .ok_or_else(|| format!("{spec:?}: expected NAME=ARG"))?;
        Ok(RuntimeExtraArg {
            name: name.into(),
            arg: arg.into(),
        })
    }
}

/// How the user runs the runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Launch {
    /// By name, found on PATH.
    OnPath,
    /// By the path as typed.
    ByPath(String),
}

/// One runtime of the run, resolved before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuntimeSpec {
    pub name: String,
    pub launch: Launch,
    /// The binary, checked and hashed; `None` for a runtime not found on PATH.
    pub file: Option<RuntimeFile>,
    /// What a build made by scripts/build-runc.sh says of itself, when its record matches
    /// the binary.
    pub provenance: Option<super::Provenance>,
    /// Global arguments before the subcommand (`--runtime-arg NAME=--systemd-cgroup`).
    pub args: Vec<String>,
}

impl RuntimeSpec {
    /// argv[0] as a shell passes it: the command name, or the path as typed.
    pub fn argv0(&self) -> &str {
        match &self.launch {
            Launch::OnPath => &self.name,
            Launch::ByPath(typed) => typed,
        }
    }

    /// The path to execute, if the binary was found.
    pub fn exec_path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    /// The size of the binary that was checked and hashed (0 for a runtime not found): what
    /// a copy of itself copies.
    pub fn binary_bytes(&self) -> u64 {
        self.file.as_ref().map_or(0, |f| f.id.size)
    }
}

/// The first executable regular file named `name` on PATH, as a shell looks.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")
        .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok() && p.is_file())
}

/// The runtimes of a run: `--runtimes` (on PATH) and `--runtime NAME=PATH`, with
/// `--runtime-arg NAME=ARG` passed before the subcommand. Names must be new. A binary
/// given by path that cannot be one is a usage error now, before the run.
pub fn resolve(
    known: &[&str],
    by_path: &[RuntimeArg],
    extra: &[RuntimeExtraArg],
) -> Result<Vec<RuntimeSpec>> {
    let mut out: Vec<RuntimeSpec> = Vec::new();
    let mut add = |spec: RuntimeSpec| -> Result<()> {
        if out.iter().any(|r| r.name == spec.name) {
            return Err(Error::usage(format!(
                "runtime name {:?} is given twice",
                spec.name
            )));
        }
        out.push(spec);
        Ok(())
    };
    for name in known {
        // A known runtime that is not installed is an unavailable row, not an error: the
        // rest of the run still says something.
        let file = on_path(name).and_then(|p| RuntimeFile::open(&p).ok());
        add(RuntimeSpec {
            name: name.to_string(),
            launch: Launch::OnPath,
            provenance: file.as_ref().and_then(super::Provenance::beside),
            file,
            args: Vec::new(),
        })?;
    }
    for arg in by_path {
        let file = RuntimeFile::open(Path::new(&arg.path))
            .map_err(|e| Error::usage(format!("--runtime {}={}: {e}", arg.name, arg.path)))?;
        add(RuntimeSpec {
            name: arg.name.clone(),
            launch: Launch::ByPath(arg.path.clone()),
            provenance: super::Provenance::beside(&file),
            file: Some(file),
            args: Vec::new(),
        })?;
    }
    for e in extra {
        let r = out.iter_mut().find(|r| r.name == e.name).ok_or_else(|| {
            Error::usage(format!(
                "--runtime-arg {}={}: no runtime named {:?} in this run",
                e.name, e.arg, e.name
            ))
        })?;
        r.args.push(e.arg.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_they_are_parsed() {
        assert!("a=/x".parse::<RuntimeArg>().is_ok());
        let long = format!("{}=/x", "r".repeat(300));
        assert!(long.parse::<RuntimeArg>().unwrap_err().contains("1 to 64"));
        assert!("noclone=/x"
            .parse::<RuntimeArg>()
            .unwrap_err()
            .contains("strategy's name"));
        assert!("noclone-unphased=/x"
            .parse::<RuntimeArg>()
            .unwrap_err()
            .contains("--phases"));
        assert!("a/b=/x".parse::<RuntimeArg>().is_err());
        assert!("novalue".parse::<RuntimeArg>().is_err());
        assert!("a=".parse::<RuntimeArg>().is_err());
    }
}
