//! The driver's side of stage 2's protocol (`src/stage2/main.rs`): which descriptors a
//! start places where, and the arguments that tell stage 2 what to do with them.

use crate::error::Result;
use crate::process::Argv;
use rustix::fd::{AsFd, BorrowedFd};
use std::borrow::Cow;
use strategies::Sealed;

/// Stage 2's descriptor numbers, shared with stage 2 itself.
#[path = "../stage2/fds.rs"]
pub mod fds;
pub use fds::REPORT_FD;

/// Where a start's first hop is placed, the next one above it, and so on: above every
/// number stage 2 itself uses, so that any number of hops fit beside them.
const FIRST_HOP_FD: libc::c_int = fds::FIRST_FREE_FD;

/// The descriptors of `sealed`'s hops, at the numbers [`hop_args`] names.
pub fn hop_fds(sealed: &Sealed) -> impl Iterator<Item = (BorrowedFd<'_>, libc::c_int)> {
    sealed
        .hops
        .iter()
        .zip(FIRST_HOP_FD..)
        .map(|(fd, at)| (fd.as_fd(), at))
}

/// The arguments that have stage 2 exec `hops` hops in turn before the rest: `--hop=FD`
/// each, which every hop takes off the front as its argv[0].
pub fn hop_args(hops: usize) -> impl Iterator<Item = String> {
    (FIRST_HOP_FD..).take(hops).map(|fd| format!("--hop={fd}"))
}

/// What stage 2 is asked to do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exec the payload.
    Run,
    /// Report what it sees of itself on fd 3, then exec the payload.
    Inspect,
    /// Stay alive until stdin closes (memory per live container).
    Hold,
}

/// How many hops a start may have and still only pick its argument vector: every
/// strategy so far has at most one.
const PREBUILT_HOPS: usize = 1;

/// Stage 2's argument vectors for one payload, per [`Mode`] and number of hops. Those a
/// start is likely to need are built before any start, so that it only picks.
pub struct Stage2Argv {
    payload: Vec<String>,
    inspect_payload: Vec<String>,
    prebuilt: Vec<[Argv; 3]>,
}

impl Stage2Argv {
    pub fn new(payload: &[String], inspect_payload: &[String]) -> Result<Stage2Argv> {
        let mut argv = Stage2Argv {
            payload: payload.to_vec(),
            inspect_payload: inspect_payload.to_vec(),
            prebuilt: Vec::new(),
        };
        for hops in 0..=PREBUILT_HOPS {
            let [run, inspect, hold] =
                [Mode::Run, Mode::Inspect, Mode::Hold].map(|m| argv.build(hops, m));
            argv.prebuilt.push([run?, inspect?, hold?]);
        }
        Ok(argv)
    }

    pub fn pick(&self, sealed: &Sealed, mode: Mode) -> Result<Cow<'_, Argv>> {
        let hops = sealed.hops.len();
        match self.prebuilt.get(hops) {
            Some([run, inspect, hold]) => Ok(Cow::Borrowed(match mode {
                Mode::Run => run,
                Mode::Inspect => inspect,
                Mode::Hold => hold,
            })),
            None => self.build(hops, mode).map(Cow::Owned),
        }
    }

    fn build(&self, hops: usize, mode: Mode) -> Result<Argv> {
        let (flag, tail): (&[&str], &[String]) = match mode {
            Mode::Run => (&[], &self.payload),
            Mode::Inspect => (&["--inspect"], &self.inspect_payload),
            Mode::Hold => (&["--hold"], &[]),
        };
        Argv::new(
            std::iter::once("sealbench-stage2".to_string())
                .chain(hop_args(hops))
                .chain(flag.iter().map(|s| s.to_string()))
                .chain(tail.iter().cloned()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::{self, Spawn};
    use crate::sandbox::RuntimeBinary;
    use crate::workload::Channel;
    use rustix::fd::OwnedFd;
    use std::ffi::CStr;
    use std::fs::File;
    use strategies::Exec;

    #[test]
    fn stage_2_execs_its_hops_in_turn_and_the_last_one_inspects_itself() {
        let dir = std::env::temp_dir().join(format!("sealbench-hops-{}", std::process::id()));
        let stage2 = RuntimeBinary::install(&dir, 1 << 20).unwrap();
        // Copies of stage 2 under names of their own, to tell which one ran last.
        let hop = |name: &CStr| {
            let fd = rustix::fs::memfd_create(name, rustix::fs::MemfdFlags::CLOEXEC).unwrap();
            let mut copy = File::from(fd);
            std::io::copy(&mut File::open(&stage2.path).unwrap(), &mut copy).unwrap();
            OwnedFd::from(copy)
        };
        // More hops than are prebuilt, so that the vector built at the start is used too.
        let sealed = Sealed {
            exec: Exec::Path(std::ffi::CString::new(stage2.path.to_str().unwrap()).unwrap()),
            hops: vec![hop(c"hop-1"), hop(c"hop-2"), hop(c"hop-3")],
        };
        let argv = Stage2Argv::new(&["/bin/true".into()], &["/bin/true".into()]).unwrap();
        let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
        let fds = Channel::Report(w.as_fd()).fds(&sealed);
        let spec = Spawn {
            argv: &argv.pick(&sealed, Mode::Inspect).unwrap(),
            envp: &Argv::minimal_env(),
            clone_flags: 0,
            fds: &fds,
            pre_exec: None,
            pre_exec_steps: &[],
        };
        let exit = process::reap(process::spawn(&sealed.exec, &spec).unwrap()).unwrap();
        drop(fds);
        drop(w);
        let mut report = String::new();
        std::io::Read::read_to_string(&mut File::from(r), &mut report).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(exit.success(), "{}", exit.describe());
        assert!(
            report.lines().any(|l| l == "exe /memfd:hop-3 (deleted)"),
            "{report}"
        );
    }

    #[test]
    fn the_hop_arguments_name_where_the_hops_are_placed() {
        assert_eq!(hop_args(0).count(), 0);
        assert_eq!(hop_args(2).collect::<Vec<_>>(), ["--hop=8", "--hop=9"]);
    }
}
