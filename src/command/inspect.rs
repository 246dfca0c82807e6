use crate::cli::InspectArgs;
use crate::error::{AppError, AppResult};
use crate::process::{self, Argv, Spawn};
use crate::sandbox::in_sandbox;
use rustix::fd::AsFd;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use strategies::{Error, ResultExt};

/// What stage 2, started from one strategy's sealed object, saw and could do.
#[derive(Debug, Serialize, Deserialize)]
pub struct Inspection {
    pub strategy: String,
    /// `key value` lines from stage 2 and its payload: `exe`, `write-running`,
    /// `reopen-after-exit`.
    pub report: BTreeMap<String, String>,
    /// Device and inode of the runtime binary (the decoy) as the host sees it.
    pub decoy_dev_ino: (u64, u64),
    /// Whether stage 2's /proc/self/exe was that very file.
    pub exe_is_decoy: bool,
    /// Whether the decoy's bytes were the same afterwards.
    pub decoy_unchanged: bool,
}

pub fn run(args: &InspectArgs) -> AppResult<i32> {
    let strategy = strategies::by_name(&args.strategy)
        .ok_or_else(|| AppError::usage(format!("unknown strategy {:?}", args.strategy)))?;
    super::require_root("inspect")?;
    let inspection = in_sandbox(args.exe_size, |sb| {
        let (binary, target) = sb.target_for(strategy.name())?;
        let decoy = binary.path.clone();
        let before = std::fs::read(&decoy).ctx(|| "read decoy".into())?;
        let meta = std::fs::metadata(&decoy).ctx(|| "stat decoy".into())?;
        let mut sealer = strategy.prepare(&target)?;
        let exec = sealer.seal()?;
        let exe_meta = match &exec {
            strategies::Exec::Fd(fd) => rustix::fs::fstat(fd.as_fd())
                .ok()
                .map(|s| (s.st_dev, s.st_ino)),
            strategies::Exec::Path(p) => rustix::fs::stat(p.as_c_str())
                .ok()
                .map(|s| (s.st_dev, s.st_ino)),
        };
        let (r, w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let payload = format!("/proc/{}/exe", std::process::id());
        let argv = Argv::new([
            "sealbench-stage2",
            "--inspect",
            payload.as_str(),
            "__reopen-held",
        ]);
        let envp = Argv::minimal_env();
        let fds = [(w.as_fd(), 3)];
        let spec = Spawn {
            argv: &argv,
            envp: &envp,
            clone_flags: 0,
            fds: &fds,
            pre_exec: None,
            pre_exec_steps: &[],
        };
        let pid = process::spawn(&exec, &spec)?;
        drop(w);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut text)
            .ctx(|| "read report".into())?;
        let exit = process::reap(pid)?;
        drop(exec);
        sealer.teardown()?;
        if !exit.success() {
            return Err(Error::msg(format!("stage 2 --inspect {}", exit.describe())));
        }
        let report = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_string(), errno_word(v)))
            .collect();
        let after = std::fs::read(&decoy).ctx(|| "read decoy".into())?;
        Ok(Inspection {
            strategy: strategy.name().to_string(),
            report,
            decoy_dev_ino: (meta.dev(), meta.ino()),
            exe_is_decoy: exe_meta == Some((meta.dev(), meta.ino())),
            decoy_unchanged: before == after,
        })
    })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&inspection).expect("serialize")
    );
    Ok(0)
}

/// Stage 2 reports errnos as numbers (it has no table of names); 0 means success.
fn errno_word(v: &str) -> String {
    match v.parse::<i32>() {
        Ok(0) => "ok".to_string(),
        Ok(n) => strategies::errno_name(rustix::io::Errno::from_raw_os_error(n)).to_string(),
        Err(_) => v.to_string(),
    }
}
