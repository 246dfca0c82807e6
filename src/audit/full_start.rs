//! The audit's full-start block: the attacks from inside a real container, started by
//! sealbench's libcontainer runtime sealed by each strategy (see `runtime/src/attack.rs`
//! for the container's side). The container's process is the runtime binary itself,
//! re-exec'd through the init's /proc/self/exe, as in CVE-2019-5736's exploit; the
//! runtime is run as `create` then `start`, so that no runtime process is left once the
//! container runs, which is when the exploit's reopen succeeds.

use super::bundle::{AuditBundle, PAYLOAD, REPORT_DIR};
use super::judge::{self, Outcome};
use super::{AttackId, Decoy, Finding};
use crate::error::{Error, Result};
use crate::process::{self, Argv, Spawn};
use crate::sandbox::Sandbox;
use crate::workload::Binary;
use crate::workload::Report;
use std::path::Path;
use strategies::{ResultExt, SealStrategy, Sealed};

/// The attacks that have a meaning from inside the container.
pub const ATTACKS: &[AttackId] = &[
    AttackId::WriteRunning,
    AttackId::WriteParentExe,
    AttackId::ReopenAfterExit,
];

fn bundle(sb: &Sandbox, attack: AttackId) -> Result<AuditBundle> {
    AuditBundle::make(sb, &format!("full-start/{attack}"), |_| {
        Ok(vec![
            "/proc/self/exe".to_string(),
            "__sealbench-attack".into(),
            attack.as_str().into(),
            format!("{REPORT_DIR}/report"),
            PAYLOAD.into(),
        ])
    })
}

/// Run the sealed runtime once with `args`, to its exit; a failure carries the last line
/// the runtime wrote to its standard error.
fn runtime(sealed: &Sealed, args: &[&str]) -> Result<()> {
    use rustix::fd::AsFd;
    use std::io::{Read, Seek};
    let argv = Argv::new(std::iter::once("sealbench-runtime").chain(args.iter().copied()))?;
    let envp = Argv::minimal_env();
    let stderr = rustix::fs::memfd_create("stderr", rustix::fs::MemfdFlags::CLOEXEC)
        .ctx(|| "memfd_create(stderr)".into())?;
    let fds = [(stderr.as_fd(), 2)];
    let spec = Spawn {
        argv: &argv,
        envp: &envp,
        clone_flags: 0,
        fds: &fds,
        pre_exec: None,
        pre_exec_steps: &[],
    };
    let exit = process::reap(process::spawn(&sealed.exec, &spec)?)?;
    if exit.success() {
        return Ok(());
    }
    let mut text = String::new();
    let mut f = std::fs::File::from(stderr);
    let _ = f.rewind().and_then(|()| f.read_to_string(&mut text));
    let last = text
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .trim();
    Err(Error::failure(format!(
        "`{}` {}: {last}",
        args.get(2).unwrap_or(&"?"),
        exit.describe()
    )))
}

/// The container's init pid, from the runtime's state.
fn init_pid(root: &Path, id: &str) -> Option<rustix::process::Pid> {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(id).join("state.json")).ok()?).ok()?;
    rustix::process::Pid::from_raw(state["pid"].as_i64()? as i32)
}

/// One attacked container: create and start it with the sealed runtime, wait for its
/// process (the init is this process's child: libcontainer clones it with CLONE_PARENT),
/// delete it, and return the report.
fn attacked(sb: &Sandbox, sealed: &Sealed, attack: AttackId, n: u32) -> Result<Report> {
    let b = bundle(sb, attack)?;
    let report = b.reports.join("report");
    let _ = std::fs::remove_file(&report);
    let root = sb.subdir("audit-full-start-state")?;
    // The run's container-id prefix, so that the janitor finds what an interrupted audit left.
    let id = format!("{}audit-{n}", crate::sandbox::janitor::own_prefix());
    let (root_s, bundle_s) = (root.display().to_string(), b.dir.display().to_string());
    let created = runtime(
        sealed,
        &["--root", &root_s, "create", "--bundle", &bundle_s, &id],
    );
    let started = created.and_then(|()| runtime(sealed, &["--root", &root_s, "start", &id]));
    let waited = started.and_then(|()| match init_pid(&root, &id) {
        Some(pid) => Ok(process::reap(pid).map(drop)?),
        None => Err(Error::failure("the runtime's state names no init pid")),
    });
    // Whatever happened, the container goes, by the unsealed runtime; an init it killed
    // is this process's child to reap.
    let pid = init_pid(&root, &id);
    let _ = std::process::Command::new(crate::sandbox::runtime_path()?)
        .args(["--root", &root_s, "delete", "--force", &id])
        .stderr(std::process::Stdio::null())
        .status();
    if let (Some(pid), Err(_)) = (pid, &waited) {
        let _ = process::reap(pid);
    }
    waited?;
    let text = std::fs::read_to_string(&report).ctx(|| "read the container's report".into())?;
    Ok(Report::parse(&text))
}

/// The full-start block for `strategy`: one attacked container per attack, each from a
/// fresh seal of the decoy runtime binary. Also says whether the decoy ended intact.
pub fn audit_strategy(sb: &Sandbox, strategy: &dyn SealStrategy) -> Result<(Vec<Finding>, bool)> {
    let name = strategy.name();
    let (binary, target) = sb.target_of(&format!("audit-full-start-{name}"), Binary::Runtime)?;
    let decoy = Decoy::open(&binary.path)?;
    let finding = |attack: AttackId, outcome: Outcome| Finding::new(name, attack, outcome);
    let all_na = |why: String| {
        ATTACKS
            .iter()
            .map(|a| finding(*a, Outcome::not_applicable(why.clone())))
            .collect::<Vec<_>>()
    };
    if let Err(why) = strategy.probe(&target) {
        return Ok((all_na(format!("unsupported here: {why}")), true));
    }
    let mut sealer = strategy.prepare(&target)?;
    let mut findings = Vec::new();
    for (n, &attack) in ATTACKS.iter().enumerate() {
        let sealed = sealer.seal()?;
        if !sealed.hops.is_empty() {
            drop(sealed);
            sealer.teardown()?;
            return Ok((
                all_na("it seals a small init for stage 2 to exec, and libcontainer execs the container's process itself".into()),
                true,
            ));
        }
        let report = attacked(sb, &sealed, attack, n as u32);
        drop(sealed);
        let changed = decoy.changed_and_restored()?;
        let outcome = match report {
            Ok(report) => judge::judge(attack, &report, decoy.dev_ino, changed),
            Err(e) => Outcome::not_applicable(format!("the attacked container did not run: {e}")),
        };
        findings.push(finding(attack, outcome));
    }
    sealer.teardown()?;
    let intact = !decoy.changed_and_restored()?;
    Ok((findings, intact))
}

/// Every full-start cell that differs from what its strategy records for `kernel`
/// ([`strategies::SealStrategy::expected_audit`], attack `full-start/<attack>`). Why the
/// cells are what they are: `write-parent-exe` is n/a for all, since the runtime is outside
/// the container's pid namespace; tmpfile is n/a, since libcontainer execs a container's
/// program only if others may execute it and the copy is 0500; dmz seals a hop for stage
/// 2, which this runtime has no use for. `None` when no strategy of the findings records a
/// full-start cell for this kernel: then nothing is checked, as for the exec-true matrix.
pub fn differences(findings: &[Finding], kernel: &str) -> Option<Vec<String>> {
    let kernel = strategies::KernelVersion::parse(kernel)?;
    let record = |name: &str| {
        strategies::by_name(name)?
            .expected_audit(kernel)
            .filter(|c| c.iter().any(|(a, _)| a.starts_with("full-start/")))
    };
    if findings.iter().all(|f| record(&f.strategy).is_none()) {
        return None;
    }
    let mut out = indexmap::IndexSet::new();
    for f in findings {
        let attack = format!("full-start/{}", f.attack);
        let Some(cells) = record(&f.strategy) else {
            out.insert(format!(
                "full-start/{}: no expectation recorded for this strategy on this kernel",
                f.strategy
            ));
            continue;
        };
        let Some((_, want)) = cells.iter().find(|(a, _)| *a == attack) else {
            out.insert(format!(
                "full-start/{}/{}: no expectation recorded",
                f.strategy, f.attack
            ));
            continue;
        };
        if f.cell() != *want {
            out.insert(format!(
                "full-start/{}/{}: expected {want}, got {}",
                f.strategy,
                f.attack,
                f.cell()
            ));
        }
    }
    Some(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_start_cell_unlike_the_strategys_record_is_named() {
        let na = || Outcome::not_applicable("test".into());
        let found = [
            Finding::new("memfd", AttackId::WriteParentExe, na()),
            Finding::new("memfd", AttackId::WriteRunning, na()),
            Finding::new("nonesuch", AttackId::WriteRunning, na()),
        ];
        assert_eq!(
            differences(&found, "6.18.44").unwrap(),
            [
                "full-start/memfd/write-running: expected blocked (ETXTBSY), got n/a",
                "full-start/nonesuch: no expectation recorded for this strategy on this kernel",
            ]
        );
        assert_eq!(differences(&found[..1], "6.18.44"), Some(vec![]));
        // A kernel nothing is recorded for: nothing is checked.
        assert_eq!(differences(&found, "5.15.0"), None);
    }
}
