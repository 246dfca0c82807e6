//! The audit's peer block: CVE-2019-5736's published path against real runtimes. Each peer
//! runs from a decoy copy of its binary in the run's scratch space, never from the
//! installed one: the decoy `create`s and `start`s a container whose process is the
//! attacker (`sealbench __peer-attacker`), then `exec`s the container's `/entry`, a
//! `#!/proc/self/exe` script, which brings the runtime's re-executed image into the
//! container. What the attacker could write is judged as the strategies' attacks are. The
//! installed binary's sha256 is checked before (when the run resolved it) and after.

use super::bundle::{AuditBundle, PAYLOAD, REPORT_DIR};
use super::judge::{self, Outcome};
use super::{AttackId, Decoy, Finding};
use crate::error::{Error, Result};
use crate::observe::Observed;
use crate::peer::RuntimeSpec;
use crate::process::{self, bounded};
use crate::sandbox::Sandbox;
use crate::workload::Report;
use std::path::Path;
use std::time::{Duration, Instant};
use strategies::ResultExt;

/// The attacks this block makes.
pub const ATTACKS: &[AttackId] = &[AttackId::WriteRunning, AttackId::ReopenAfterExit];

/// The container's entry point: the runtime's own image as the script's interpreter.
const ENTRY: &str = "/entry";

/// How long to wait for the attacker to be ready, and to report once the exec is done.
const PATIENCE: Duration = Duration::from_secs(20);

fn bundle(sb: &Sandbox) -> Result<AuditBundle> {
    AuditBundle::make(sb, "peers", |rootfs| {
        let entry = rootfs.join(&ENTRY[1..]);
        std::fs::write(&entry, b"#!/proc/self/exe\n").ctx(|| "write /entry".into())?;
        std::fs::set_permissions(&entry, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .ctx(|| "chmod /entry".into())?;
        Ok(vec![
            PAYLOAD.to_string(),
            "__peer-attacker".into(),
            format!("{REPORT_DIR}/report"),
        ])
    })
}

/// A runtime command from the decoy, as the peer's users would type it.
fn command(decoy: &Path, spec: &RuntimeSpec, root: &Path, words: &[&str]) -> std::process::Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(decoy);
    cmd.arg0(spec.argv0())
        .arg("--root")
        .arg(root)
        .args(&spec.args)
        .args(words)
        .env_clear()
        .envs(crate::peer::ENV.iter().copied());
    cmd
}

/// The runtime commands of one attacked container, and the process groups they left
/// (a created container's init among them), killed when it is over.
struct Session<'a> {
    decoy: &'a Path,
    spec: &'a RuntimeSpec,
    root: &'a Path,
    groups: Vec<rustix::process::Pid>,
}

impl Session<'_> {
    fn run(&mut self, words: &[&str], what: &str) -> Result<bounded::Output> {
        let (out, group) = bounded::output_keeping_group(
            &mut command(self.decoy, self.spec, self.root, words),
            what,
        )?;
        self.groups.push(group);
        Ok(out)
    }

    /// Run, and fail with the runtime's last words unless it succeeded.
    fn must(&mut self, words: &[&str], what: &str) -> Result<()> {
        let out = self.run(words, what)?;
        if out.status.success() {
            return Ok(());
        }
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        Err(Error::failure(format!(
            "{what}: {} ({})",
            crate::printable::clean(last.trim()),
            out.status
        )))
    }
}

/// The file whose existence tells the attacker that the exec has returned.
pub fn done_marker(report: &Path) -> std::path::PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".exec-done");
    name.into()
}

fn wait_for(report: &Path, line: impl Fn(&str) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        if std::fs::read_to_string(report).is_ok_and(|t| t.lines().any(&line)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// The init of a created container, from the runtime's `state`.
fn init_pid(out: &bounded::Output) -> Option<i32> {
    #[derive(serde::Deserialize)]
    struct State {
        pid: i32,
    }
    serde_json::from_slice::<State>(&out.stdout)
        .ok()
        .map(|s| s.pid)
        .filter(|p| *p > 0)
}

/// One attacked container of the decoy: the attacker's report, and what the decoy's
/// init was seen to seal (the decoy's filesystem can change a runtime's seal path).
fn attacked(sb: &Sandbox, spec: &RuntimeSpec, decoy: &Path) -> Result<(Report, Option<Observed>)> {
    let b = bundle(sb)?;
    let report = b.reports.join("report");
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(done_marker(&report));
    let root = sb.subdir(&format!("audit-peer-state/{}", spec.name))?;
    let id = format!(
        "{}audit-{}",
        crate::sandbox::janitor::own_prefix(),
        spec.name
    );
    let bundle_s = b.dir.display().to_string();
    let mut session = Session {
        decoy,
        spec,
        root: &root,
        groups: Vec::new(),
    };
    let mut observed = None;
    let attacked = session
        .must(&["create", "--bundle", &bundle_s, &id], "create")
        .and_then(|()| {
            let out = session.run(&["state", &id], "state")?;
            observed = init_pid(&out).map(|pid| Observed::of_process(pid, decoy));
            session.must(&["start", &id], "start")
        })
        .and_then(|()| {
            if wait_for(&report, |l| l == "ready") {
                Ok(())
            } else {
                Err(Error::failure("the attacker never reported ready"))
            }
        })
        // The exec itself fails (the runtime, run as `/entry`'s interpreter, does not know
        // the subcommand "/entry"): what counts is that its image ran in the container.
        .and_then(|()| session.run(&["exec", &id, ENTRY], "exec /entry").map(drop))
        // Once the exec is over, an attacker that saw nothing stops looking.
        .and_then(|()| {
            std::fs::write(done_marker(&report), b"")
                .ctx(|| "mark the exec done".into())
                .map_err(Error::from)
        })
        .and_then(|()| {
            if wait_for(&report, |l| l.starts_with("attack ") || l == "caught none") {
                Ok(())
            } else {
                Err(Error::failure("the attacker never reported"))
            }
        });
    let _ = session.run(&["delete", "--force", &id], "delete --force");
    for g in session.groups {
        process::leftovers::kill(Some(g));
    }
    attacked?;
    let text = std::fs::read_to_string(&report).ctx(|| "read the attacker's report".into())?;
    Ok((Report::parse(&text), observed))
}

/// The peer block for `spec`: its findings, and whether the decoy ended intact. The
/// installed binary must be byte-identical afterwards, or this is an error.
pub fn audit_peer(sb: &Sandbox, spec: &RuntimeSpec) -> Result<(Vec<Finding>, bool)> {
    let name = spec.name.as_str();
    let na = |why: String| {
        ATTACKS
            .iter()
            .map(|a| Finding::new(name, *a, Outcome::not_applicable(why.clone())))
            .collect::<Vec<_>>()
    };
    let Some(installed) = &spec.file else {
        return Ok((na(format!("{name} is not installed")), true));
    };
    let dir = sb.subdir(&format!("audit-peers/{name}"))?;
    let decoy_path = dir.join(
        installed
            .path
            .file_name()
            .ok_or_else(|| Error::failure("a runtime binary without a file name"))?,
    );
    std::fs::copy(&installed.path, &decoy_path).ctx(|| format!("copy {name} as its decoy"))?;
    let decoy = Decoy::open(&decoy_path)?;
    // The attacker races the runtime's process in the container: a report that lacks an
    // attack's line (it missed that process) is made again, up to three times in all.
    let complete = |r: &Result<(Report, Option<Observed>)>| {
        r.as_ref()
            .is_ok_and(|(r, _)| r.write_running.is_some() && r.attack.is_some())
    };
    let mut report = attacked(sb, spec, &decoy_path);
    for _ in 0..2 {
        if complete(&report) {
            break;
        }
        decoy.changed_and_restored()?;
        report = attacked(sb, spec, &decoy_path);
    }
    let changed = decoy.changed_and_restored()?;
    let fs = rustix::fs::statfs(&decoy_path)
        .map(|f| f.f_type as i64)
        .ok();
    let findings = match report {
        Ok((r, _)) if r.caught.is_some() => na(
            "the runtime's image never appeared in the container (the exec did not run it)".into(),
        ),
        Ok((r, seen)) => {
            let seal = seen.map(|o| {
                format!(
                    "the decoy ({}) sealed with {}: {}",
                    fs_word(fs),
                    o.seal,
                    o.seal_evidence
                )
            });
            ATTACKS
                .iter()
                .map(|a| {
                    let mut outcome = judge::judge(*a, &r, decoy.dev_ino, changed);
                    if let Some(s) = &seal {
                        outcome.detail = Some(match outcome.detail.take() {
                            Some(d) => format!("{d}; {s}"),
                            None => s.clone(),
                        });
                    }
                    Finding::new(name, *a, outcome)
                })
                .collect()
        }
        Err(e) => na(format!("the attacked container did not run: {e}")),
    };
    if let Some(why) = installed.rehash_differs() {
        return Err(Error::failure(format!(
            "the installed {name} changed during its audit: {why}"
        )));
    }
    let intact = !decoy.changed_and_restored()?;
    Ok((findings, intact))
}

fn fs_word(magic: Option<i64>) -> &'static str {
    match magic {
        Some(0x0102_1994) => "on tmpfs",
        Some(0xef53) => "on ext4",
        Some(0x5846_5342) => "on xfs",
        Some(0x9123_683e) => "on btrfs",
        _ => "on its filesystem",
    }
}
