use super::AttackId;
use crate::named::named_enum;
use crate::workload::Report;
use serde::{Deserialize, Serialize};

named_enum! {
    /// What one attack came to; the page-cache property is a yes or a no.
    pub enum Verdict, "verdict" {
        Blocked = "blocked",
        Writable = "writable",
        NotApplicable = "not-applicable",
        Yes = "yes",
        No = "no",
    }
}

/// The verdict on one (strategy, attack), with the kernel's errno and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    pub outcome: Verdict,
    pub errno: Option<String>,
    /// The kernel mechanism behind the outcome, in one line.
    pub explanation: String,
    /// The attack's own account (which step failed, what the remounts answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Outcome {
    fn new(
        outcome: Verdict,
        errno: Option<String>,
        explanation: impl Into<String>,
        detail: Option<String>,
    ) -> Outcome {
        Outcome {
            outcome,
            errno,
            explanation: explanation.into(),
            detail,
        }
    }

    pub fn not_applicable(why: String) -> Outcome {
        Outcome::new(Verdict::NotApplicable, None, why, None)
    }

    pub fn property(yes: bool) -> Outcome {
        if yes {
            Outcome::new(Verdict::Yes, None, "stage 2 ran from the very page-cache pages of the host binary (same physical frame)", None)
        } else {
            Outcome::new(
                Verdict::No,
                None,
                "stage 2 ran from pages of its own: a copy, not a view of the host binary",
                None,
            )
        }
    }

    fn blocked(errno: &str, detail: Option<String>) -> Outcome {
        Outcome::new(
            Verdict::Blocked,
            Some(errno.to_string()),
            why_blocked(errno),
            detail,
        )
    }
}

fn why_blocked(errno: &str) -> &'static str {
    match errno {
        "ETXTBSY" => "the kernel refuses writes to a file while a process executes it (deny_write_access)",
        "EROFS" => "the mount or the superblock the file is reached through is read-only",
        "EPERM" => "memfd seals (F_SEAL_WRITE/SHRINK/GROW) refuse any change, whatever the opener's privileges",
        "ESTALE" => "the handle names no file on that filesystem: the object lives elsewhere (a memfd, an overlay)",
        "EOPNOTSUPP" => "the filesystem behind the fd does not hand out file handles",
        "EINVAL" => "the kernel refused the operation on this kind of object or mount",
        "EACCES" => "permission denied by the filesystem or the mount",
        "ENOENT" | "ESRCH" => "the object is not reachable from the container",
        _ => "the kernel refused the operation",
    }
}

fn errno_from_number(v: &str) -> Option<String> {
    match v.parse::<i32>() {
        Ok(0) => None,
        Ok(n) => Some(strategies::errno_name(rustix::io::Errno::from_raw_os_error(n)).to_string()),
        Err(_) => Some(v.to_string()),
    }
}

/// Judge one attacked start from its report. `changed`: the decoy's sha256 differed
/// afterwards, which is `writable` whatever the attack said.
pub fn judge(attack: AttackId, report: &Report, decoy: (u64, u64), changed: bool) -> Outcome {
    let is_decoy = |id: &str| id == format!("{}:{}", decoy.0, decoy.1);
    if changed {
        return Outcome::new(
            Verdict::Writable,
            None,
            "the decoy's bytes changed (sha256): the attack wrote to the runtime binary",
            None,
        );
    }
    let line = match attack {
        AttackId::WriteRunning => &report.write_running,
        AttackId::WriteParentExe => &report.write_parent_exe,
        _ => &report.attack,
    };
    let Some(line) = line else {
        return Outcome::not_applicable(format!("no report from the {attack} attack"));
    };
    match attack {
        AttackId::WriteRunning => match errno_from_number(line) {
            Some(e) => Outcome::blocked(&e, None),
            None if report.exe_id.as_deref().is_some_and(is_decoy) => Outcome::new(
                Verdict::Writable,
                None,
                "/proc/self/exe is the runtime binary and opened for writing",
                None,
            ),
            None => Outcome::new(
                Verdict::Blocked,
                None,
                "opened for writing, but it is a private copy: the runtime binary is untouched",
                None,
            ),
        },
        AttackId::WriteParentExe if line == "none" => Outcome::not_applicable(
            "the runtime's own process is not visible from here (another pid namespace)".into(),
        ),
        // The stand-in parent runs the decoy; any other process here is an ancestor that
        // inherited stage 2 once the stand-in had gone, and says nothing of the strategy.
        AttackId::WriteParentExe if !report.parent_exe_id.as_deref().is_some_and(is_decoy) => {
            Outcome::not_applicable(format!(
                "the process checked was not the runtime's stand-in (which runs the decoy): {}",
                report.parent_stat.as_deref().unwrap_or("it had no stat")
            ))
        }
        AttackId::WriteParentExe => match errno_from_number(line) {
            Some(e) => Outcome::blocked(&e, None),
            None => Outcome::new(
                Verdict::Writable,
                None,
                "the runtime's own process runs the unsealed binary, and it opened for writing",
                None,
            ),
        },
        _ => {
            let mut words = line.splitn(3, ' ');
            let (status, rest) = (
                words.next().unwrap_or(""),
                words.collect::<Vec<_>>().join(" "),
            );
            match status {
                "ok" if is_decoy(rest.trim()) => Outcome::new(
                    Verdict::Writable,
                    None,
                    "the write reached the runtime binary's own inode",
                    None,
                ),
                "ok" => Outcome::new(
                    Verdict::Blocked,
                    None,
                    "the write reached only a private copy; the runtime binary is untouched",
                    Some(format!("wrote to {rest}")),
                ),
                "none" => Outcome::not_applicable("the attack does not apply".into()),
                errno => Outcome::blocked(errno, (!rest.is_empty()).then_some(rest)),
            }
        }
    }
}
