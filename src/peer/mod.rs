//! Real container runtimes (runc, crun, youki, or any OCI runtime binary given by path)
//! run on the same bundle, with the same runner, as peers of the strategies. A peer runs
//! as its users run it (its own path, argv[0] as a shell passes it, in the run's mount
//! namespace), and what it sealed is observed on a live start of it, not read from its
//! version.

pub mod binary;
mod label;
mod launch;
mod observe;
mod provenance;
mod spec;

pub use label::{expected_seal, Expected};
pub use launch::{Peer, ENV};
pub use provenance::Provenance;
pub use spec::{check_name, resolve, Launch, RuntimeArg, RuntimeExtraArg, RuntimeSpec, MAX_NAME};

use crate::benchmark::{Unit, UnitState};
use crate::process;
use crate::sandbox::Sandbox;

pub const WORKLOAD: &str = "container-start";

/// The runtimes `--runtimes` finds on PATH: each takes `--root DIR run --bundle DIR ID`.
pub const KNOWN: &[&str] = &["runc", "crun", "youki"];

/// The longest `--version` line kept: a runtime decides what it prints.
const MAX_VERSION: usize = 200;

/// `--runtimes runc,crun`: names of [`KNOWN`] runtimes, checked as the command line is
/// parsed.
#[derive(Debug, Clone, Default)]
pub struct KnownList(pub Vec<&'static str>);

impl std::str::FromStr for KnownList {
    type Err = String;

    fn from_str(list: &str) -> std::result::Result<KnownList, String> {
        let names = list.split(',').map(str::trim).filter(|s| !s.is_empty());
        names
            .map(|name| {
                KNOWN.iter().copied().find(|k| *k == name).ok_or_else(|| {
                    format!(
                        "unknown runtime {name:?} (valid: {}; any other binary: --runtime NAME=PATH)",
                        KNOWN.join(", ")
                    )
                })
            })
            .collect::<std::result::Result<_, _>>()
            .map(KnownList)
    }
}

/// The first line of `runtime --version`, bounded in time (the run's watchdog) and size.
fn version(spec: &RuntimeSpec, path: &std::path::Path) -> Option<String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(path);
    cmd.arg0(spec.argv0())
        .arg("--version")
        .env_clear()
        .envs(launch::ENV.iter().copied());
    let out = process::bounded::output(&mut cmd, &format!("{} --version", spec.name)).ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| {
            crate::observe::clean(l.trim())
                .chars()
                .take(MAX_VERSION)
                .collect()
        })
}

/// A unit for the runtime `spec`: ready after one successful start, else unavailable with
/// the reason.
pub fn unit(spec: &RuntimeSpec, sandbox: &Sandbox) -> Unit {
    unit_tagged(spec, sandbox, "")
}

/// As [`unit`], its container ids tagged with `tag`: one of several units of the same
/// runtime that start at once.
pub fn unit_tagged(spec: &RuntimeSpec, sandbox: &Sandbox, tag: &str) -> Unit {
    let name = spec.name.as_str();
    let mut unit = Unit::new(
        crate::benchmark::Row::Runtime(name.to_string()),
        WORKLOAD,
        UnitState::Unavailable(String::new()),
    );
    let Some(file) = &spec.file else {
        unit.state = UnitState::Unavailable(format!("{name} is not on PATH"));
        return unit;
    };
    unit.path = Some(file.path.display().to_string());
    unit.sha256 = Some(file.sha256.clone());
    // Inside the run's namespace the binary must be the very file that was hashed, at
    // the same path: see `sandbox::expose`.
    if let Some(why) = file.changed() {
        unit.state = UnitState::Unavailable(format!(
            "not the binary that was checked, inside the run: {why}"
        ));
        return unit;
    }
    unit.version = version(spec, &file.path);
    let variant = spec.provenance.as_ref().map(|p| p.variant);
    let expected = expected_seal(unit.version.as_deref().unwrap_or(""), variant);
    unit.seals = Some(expected.note.clone());
    unit.seal_expected = expected.seal;
    unit.provenance = spec.provenance.as_ref().map(Provenance::describe);
    unit.state = match Peer::new(spec, file, sandbox, unit.version.as_deref())
        .and_then(|p| p.tagged(tag).probed())
    {
        Ok(peer) => UnitState::Ready(Box::new(peer)),
        Err(e) => UnitState::Unavailable(format!("{name} cannot run here: {e}")),
    };
    unit
}
