//! What a peer really sealed, from a live start of it outside the timed rounds: `create`
//! leaves the container's init waiting for `start`, running the image the runtime
//! re-executed (runc init's sealed copy, youki's memfd, crun's view of itself); its
//! /proc/<pid>/exe and page frames are read (`crate::observe`), then the container is
//! deleted. For runc, the `--debug` log line that names its seal is kept as evidence too.

use super::Peer;
use crate::observe::Observed;
use crate::process;

/// Observe one `create` of `peer`.
pub fn observe(peer: &mut Peer) -> Observed {
    let id = peer.next_id();
    let bundle = peer.bundle.display().to_string();
    let log = peer.root.join(format!("{id}.debug.log"));
    let log_text = log.display().to_string();
    let mut words: Vec<&str> = Vec::new();
    if peer.runc_like {
        words.extend(["--debug", "--log", &log_text]);
    }
    words.extend(["create", "--bundle", &bundle, &id]);
    // The init `create` leaves waiting is in create's process group: it is kept alive until
    // it has been observed, and its group killed after the delete.
    let created = process::bounded::output_keeping_group(
        &mut peer.command(&words),
        &format!("{} create (observing its seal)", peer.name),
    );
    let group = created.as_ref().ok().map(|(_, g)| *g);
    let created = created.map(|(out, _)| out);
    let observed = match created {
        Err(e) => Observed::unknown(format!("create failed: {e}")),
        Ok(out) if !out.status.success() => Observed::unknown(format!(
            "create failed: {} ({})",
            crate::observe::clean(
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or("no output")
                    .trim()
            ),
            out.status
        )),
        Ok(_) => match init_pid(peer, &id) {
            Ok(pid) => {
                let mut o = Observed::of_process(pid, &peer.file.path);
                if let Some(line) = seal_line(&log) {
                    o.seal_evidence.push_str(&format!("; runc --debug: {line}"));
                }
                o
            }
            Err(why) => Observed::unknown(why),
        },
    };
    let _ = std::fs::remove_file(&log);
    let deleted = if peer.remains(&id) {
        peer.delete(&id)
    } else {
        Ok(())
    };
    process::leftovers::kill(group);
    match deleted {
        Ok(()) => observed,
        Err(e) => Observed::unknown(format!("{}; and then: {e}", observed.seal_evidence)),
    }
}

/// The container's init pid, from the runtime's own `state`.
/// Whatever `state` leaves is swept with the rest after the delete: a sweep now would take
/// the waiting init (an orphan of `create` by now) with it.
fn init_pid(peer: &Peer, id: &str) -> Result<i32, String> {
    let (out, _) = process::bounded::output_keeping_group(
        &mut peer.command(&["state", id]),
        &format!("{} state", peer.name),
    )
    .map_err(|e| e.to_string())?;
    #[derive(serde::Deserialize)]
    struct State {
        pid: i32,
    }
    serde_json::from_slice::<State>(&out.stdout)
        .map(|s| s.pid)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| {
            format!(
                "`{} state {id}` gave no pid ({}: {})",
                peer.name,
                out.status,
                crate::observe::clean(String::from_utf8_lossy(&out.stderr).trim())
            )
        })
}

/// The line of runc's debug log that says how it sealed itself: its exeseal message, or
/// its fallback warning; runc's generic "using /proc/self/exe clone" says nothing.
fn seal_line(log: &std::path::Path) -> Option<String> {
    let text = crate::safe_fs::read_regular(log, 1 << 20).ok()?;
    let text = String::from_utf8_lossy(&text);
    let msg = |l: &str| -> String {
        l.split_once("msg=\"")
            .map(|(_, m)| m.split('"').next().unwrap_or(m).to_string())
            .unwrap_or_else(|| l.to_string())
    };
    text.lines()
        .map(msg)
        .find(|m| {
            (m.contains("exeseal") && !m.contains("using /proc/self/exe clone"))
                || m.contains("falling back")
        })
        .map(|m| crate::observe::clean(&m).chars().take(200).collect())
}
