use crate::cli::InspectArgs;
use crate::error::{Error, Result};
use crate::sandbox::{in_sandbox, Options};
use crate::selection;
use rustix::fd::AsFd;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use strategies::{Exec, ResultExt};

/// What stage 2, started from one strategy's sealed object by one workload, saw and could
/// do from the container side.
#[derive(Debug, Serialize, Deserialize)]
pub struct Inspection {
    pub strategy: String,
    pub workload: String,
    /// What stage 2 and its payload reported (`write-*` as errno names, `ok` for none).
    pub report: crate::workload::Report,
    /// Device and inode of the runtime binary (the decoy) as the host sees it.
    pub decoy_dev_ino: (u64, u64),
    /// Whether stage 2's /proc/self/exe was that very file.
    pub exe_is_decoy: bool,
    /// Whether the decoy's bytes were the same afterwards.
    pub decoy_unchanged: bool,
    /// `dev:ino` of the bundle's rootfs, for container-start.
    pub rootfs: Option<String>,
}

pub fn run(args: &InspectArgs) -> Result<i32> {
    let strategy = selection::strategies(&args.strategy)?;
    let [strategy] = strategy.as_slice() else {
        return Err(Error::usage("inspect takes one strategy"));
    };
    let workloads = selection::workloads(&args.workload)?;
    let [workload] = workloads.as_slice() else {
        return Err(Error::usage("inspect takes one workload"));
    };
    super::require_root("inspect")?;
    let options = Options {
        exe_size: args.exe_size,
        ..Options::default()
    };
    let inspection = in_sandbox(options, |sb| {
        let (binary, target) = sb.target_for(strategy.name())?;
        let decoy = binary.path.clone();
        let before = std::fs::read(&decoy).ctx(|| "read decoy".into())?;
        let meta = std::fs::metadata(&decoy).ctx(|| "stat decoy".into())?;
        let starter = workload.prepare(sb)?;
        let rootfs = sb.bundle_if_made().map(|b| b.join("rootfs"));
        let mut sealer = strategy.prepare(&target)?;
        let sealed = sealer.seal()?;
        let exe_meta = match &sealed.exec {
            Exec::Fd(fd) => rustix::fs::fstat(fd.as_fd())
                .ok()
                .map(|s| (s.st_dev, s.st_ino)),
            Exec::Path(p) => rustix::fs::stat(p.as_c_str())
                .ok()
                .map(|s| (s.st_dev, s.st_ino)),
        };
        let (r, w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let exit = starter.run(&sealed, crate::workload::Channel::Report(w.as_fd()));
        drop(w);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut text)
            .ctx(|| "read report".into())?;
        drop(sealed);
        sealer.teardown()?;
        let exit = exit?;
        if !exit.success() {
            return Err(Error::failure(format!(
                "stage 2 --inspect {}",
                exit.describe()
            )));
        }
        let mut report = crate::workload::Report::parse(&text);
        for line in [&mut report.write_running, &mut report.write_parent_exe] {
            *line = line.as_deref().map(errno_word);
        }
        let after = std::fs::read(&decoy).ctx(|| "read decoy".into())?;
        let rootfs = match rootfs {
            Some(p) => Some(
                std::fs::metadata(&p)
                    .map(|m| format!("{}:{}", m.dev(), m.ino()))
                    .ctx(|| "stat rootfs".into())?,
            ),
            None => None,
        };
        Ok(Inspection {
            strategy: strategy.name().to_string(),
            workload: workload.name().to_string(),
            report,
            decoy_dev_ino: (meta.dev(), meta.ino()),
            exe_is_decoy: exe_meta == Some((meta.dev(), meta.ino())),
            decoy_unchanged: before == after,
            rootfs,
        })
    })?;
    crate::output::emit::out(&format!(
        "{}\n",
        serde_json::to_string_pretty(&inspection).expect("serialize")
    ))?;
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
