use crate::benchmark::Contender;
use crate::error::{Error, Result};
use strategies::ResultExt;

/// (MemAvailable, Shmem) in bytes.
fn meminfo() -> Result<(i64, i64)> {
    use procfs::Current;
    let m =
        procfs::Meminfo::current().map_err(|e| Error::failure(format!("/proc/meminfo: {e}")))?;
    match (m.mem_available, m.shmem) {
        (Some(a), Some(s)) => Ok((a as i64, s as i64)),
        _ => Err(Error::failure("/proc/meminfo lacks MemAvailable or Shmem")),
    }
}

/// Memory each live container costs with this contender: keep a few stage 2s
/// alive from their sealed objects (the caller's handles closed, as a runtime closes them
/// after a start), and take the drop in MemAvailable and the rise in Shmem, divided by
/// the count. `None` for a contender that cannot hold (a runtime peer). How many is
/// bounded by the binary's size (`budget::live_holds`), since a copying strategy keeps a
/// whole copy alive per stage 2.
pub fn per_live(contender: &mut dyn Contender, exe_size: u64) -> Result<Option<(i64, i64)>> {
    let (stdin_r, stdin_w) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    let before = meminfo()?;
    let mut pids = Vec::new();
    let mut held = Ok(());
    for _ in 0..crate::sandbox::budget::live_holds(exe_size) {
        match contender.hold(&stdin_r) {
            Ok(Some(pid)) => pids.push(pid),
            Ok(None) => break,
            Err(e) => {
                held = Err(e);
                break;
            }
        }
    }
    // Give the kernel a moment to settle freed pages of the starts' own set-up.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let during = meminfo();
    drop(stdin_w);
    drop(stdin_r);
    for pid in &pids {
        crate::process::reap(*pid)?;
    }
    held?;
    if pids.is_empty() {
        return Ok(None);
    }
    let during = during?;
    let k = pids.len() as i64;
    Ok(Some(((before.0 - during.0) / k, (during.1 - before.1) / k)))
}
