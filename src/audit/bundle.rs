//! The bundle an audit's container is attacked from: sealbench's bundle, with the
//! container's process replaced by the attacker, the host's libraries read-only (the
//! attacker is sealbench itself, or a dynamically linked runtime), a report directory
//! bound read-write, and sealbench bound read-only as the payload.

use crate::error::{Error, Result};
use crate::sandbox::Sandbox;
use std::path::{Path, PathBuf};
use strategies::ResultExt;

/// Inside the container: where the report directory and sealbench (the payload) are.
pub const REPORT_DIR: &str = "/sealbench-report";
pub const PAYLOAD: &str = "/sealbench-payload";

pub struct AuditBundle {
    pub dir: PathBuf,
    pub reports: PathBuf,
}

impl AuditBundle {
    /// The bundle named `name`, made once per run: `process` is given the rootfs (to add
    /// files to) and returns the container process's argv.
    pub fn make(
        sb: &Sandbox,
        name: &str,
        process: impl FnOnce(&Path) -> Result<Vec<String>>,
    ) -> Result<AuditBundle> {
        let dir = sb.subdir(&format!("audit-bundles/{name}"))?;
        let reports = sb.subdir(&format!("audit-reports/{name}"))?;
        if dir.join("config.json").exists() {
            return Ok(AuditBundle { dir, reports });
        }
        crate::bundle::create(&dir, false)?;
        let payload = sb.root().join("audit-payload");
        if !payload.exists() {
            std::fs::copy("/proc/self/exe", &payload)
                .ctx(|| "copy sealbench as the payload".into())?;
        }
        let rootfs = dir.join("rootfs");
        let mut mounts = Vec::new();
        let bind = |src: &Path, dest: &str, rw: bool| {
            serde_json::json!({
                "destination": dest, "type": "bind", "source": src,
                "options": ["bind", if rw { "rw" } else { "ro" }, "nosuid", "nodev"],
            })
        };
        // The dynamic loader and libraries, where the host has them: a symlink (merged
        // /usr) is repeated in the rootfs, a directory is bound read-only.
        for top in ["/usr", "/lib", "/lib64"] {
            let inside = rootfs.join(&top[1..]);
            match std::fs::read_link(top) {
                Ok(to) => {
                    if inside.symlink_metadata().is_err() {
                        std::os::unix::fs::symlink(&to, &inside)
                            .ctx(|| format!("symlink {}", inside.display()))?;
                    }
                }
                Err(_) if Path::new(top).is_dir() => {
                    std::fs::create_dir_all(&inside)
                        .ctx(|| format!("mkdir {}", inside.display()))?;
                    mounts.push(bind(Path::new(top), top, false));
                }
                Err(_) => {}
            }
        }
        std::fs::create_dir_all(rootfs.join(&REPORT_DIR[1..])).ctx(|| "mkdir report dir".into())?;
        std::fs::write(rootfs.join(&PAYLOAD[1..]), b"").ctx(|| "payload mount point".into())?;
        mounts.push(bind(&reports, REPORT_DIR, true));
        mounts.push(bind(&payload, PAYLOAD, false));
        let args = process(&rootfs)?;
        let path = dir.join("config.json");
        let mut config: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&path).ctx(|| "read the audit bundle's config".into())?,
        )
        .map_err(|e| Error::failure(format!("audit bundle config: {e}")))?;
        config["process"]["args"] = serde_json::json!(args);
        if let Some(list) = config["mounts"].as_array_mut() {
            list.retain(|m| m["type"] != "bind");
            list.extend(mounts);
        }
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&config).unwrap_or_default(),
        )
        .ctx(|| "write the audit bundle's config".into())?;
        Ok(AuditBundle { dir, reports })
    }
}
