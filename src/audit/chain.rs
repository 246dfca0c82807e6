use crate::error::{Error, Result};
use crate::process::{self, Argv, Spawn};
use crate::workload::stage2_fds::SEALED_FD;
use crate::workload::{hop_args, hop_fds, Report, REPORT_FD};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use strategies::{Exec, ResultExt, Sealed};

/// One attacked start. A stand-in for the runtime's own process (`runc run`, which runs
/// the unsealed binary) is started from the decoy itself; it starts the sealed binary as
/// stage 2, which inspects itself and execs the attacker (sealbench `__attack`), then
/// exits so that no process runs the runtime binary. Returns stage 2's and the attacker's
/// report lines, `key value`.
pub fn run(
    sealed: &Sealed,
    decoy: &std::fs::File,
    attack: &str,
    arg: Option<&str>,
) -> Result<Report> {
    // Orphans (stage 2, once its stand-in parent exits) come back to this process.
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))
        .ctx(|| "PR_SET_CHILD_SUBREAPER".into())?;
    let opened: OwnedFd;
    let sealed_fd: BorrowedFd = match &sealed.exec {
        Exec::Fd(fd) => fd.as_fd(),
        Exec::Path(p) => {
            opened = rustix::fs::open(p.as_c_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                .ctx(|| format!("open {p:?}"))?;
            opened.as_fd()
        }
    };
    let myself = format!("/proc/{}/exe", std::process::id());
    let argv = Argv::new(
        ["sealbench-stage2", "--parent-of"]
            .into_iter()
            .map(String::from)
            .chain(hop_args(sealed.hops.len()))
            .chain(["--inspect", &myself, "__attack", attack].map(String::from))
            .chain(arg.map(String::from)),
    )?;
    let envp = Argv::minimal_env();
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    let mut fds = vec![(w.as_fd(), REPORT_FD), (sealed_fd, SEALED_FD)];
    fds.extend(hop_fds(sealed));
    let parent = Exec::Fd(rustix::io::fcntl_dupfd_cloexec(decoy, 0).ctx(|| "dup decoy".into())?);
    let spec = Spawn {
        argv: &argv,
        envp: &envp,
        clone_flags: 0,
        fds: &fds,
        pre_exec: None,
        pre_exec_steps: &[],
    };
    let holder = process::reap(process::spawn(&parent, &spec)?)?;
    drop(fds);
    drop(w);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut text)
        .ctx(|| "read the attack report".into())?;
    let report = Report::parse(&text);
    // The attacker is stage 2's pid after its exec; reap it.
    if let Some(pid) = report.pid.and_then(rustix::process::Pid::from_raw) {
        let exit = process::reap(pid)?;
        if !exit.success() {
            return Err(Error::failure(format!("attacker {}", exit.describe())));
        }
    }
    if !holder.success() {
        return Err(Error::failure(format!(
            "the runtime-parent stand-in {}",
            holder.describe()
        )));
    }
    Ok(report)
}
