//! Reading a user's bundle config: bounded, as a regular file, and checked for what the
//! runtime sealbench stands in for would refuse.

use crate::error::{Error, Result};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use rustix::io::Errno;
use std::path::Path;

/// The largest config.json read.
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// A bundle's config.json, read as a regular file of bounded size and parsed.
pub fn load_spec(config: &Path) -> Result<Spec> {
    let bytes = crate::safe_fs::read_regular(config, MAX_CONFIG_BYTES).map_err(|e| {
        let errno = match &e {
            crate::safe_fs::ReadError::Open(io) | crate::safe_fs::ReadError::Read(io) => io
                .raw_os_error()
                .map(|n| format!(" ({})", strategies::errno_name(Errno::from_raw_os_error(n)))),
            _ => None,
        };
        Error::failure(format!(
            "{}: {e}{}",
            config.display(),
            errno.unwrap_or_default()
        ))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::failure(format!("{}: {e}", config.display())))
}

/// The OCI hooks a config sets, by kind (`prestart`, `createRuntime`, ...), each with
/// how many commands it runs.
pub fn hooks(spec: &Spec) -> Vec<String> {
    let Some(h) = spec.hooks() else {
        return Vec::new();
    };
    [
        ("prestart", h.prestart()),
        ("createRuntime", h.create_runtime()),
        ("createContainer", h.create_container()),
        ("startContainer", h.start_container()),
        ("poststart", h.poststart()),
        ("poststop", h.poststop()),
    ]
    .into_iter()
    .filter_map(|(kind, list)| {
        let n = list.as_ref().map_or(0, Vec::len);
        (n > 0).then(|| format!("{kind}: {n}"))
    })
    .collect()
}

/// What runc refuses in a config, with runc's own words (libcontainer's config
/// validator), checked before any start: sealbench's start must not do what the runtime
/// it stands in for would never do, such as set the caller's hostname.
pub fn runc_refuses(spec: &Spec) -> Option<String> {
    let namespaces: Vec<LinuxNamespaceType> = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default()
        .iter()
        .map(|n| n.typ())
        .collect();
    let has = |t: LinuxNamespaceType| namespaces.contains(&t);
    let set = |s: &Option<String>| s.as_deref().is_some_and(|h| !h.is_empty());
    if set(spec.hostname()) && !has(LinuxNamespaceType::Uts) {
        return Some("unable to set hostname without a private UTS namespace".into());
    }
    if set(spec.domainname()) && !has(LinuxNamespaceType::Uts) {
        return Some("unable to set domainname without a private UTS namespace".into());
    }
    let restricted = spec.linux().as_ref().is_some_and(|l| {
        l.masked_paths().as_ref().is_some_and(|p| !p.is_empty())
            || l.readonly_paths().as_ref().is_some_and(|p| !p.is_empty())
    });
    if restricted && !has(LinuxNamespaceType::Mount) {
        return Some("unable to restrict sys entries without a private MNT namespace".into());
    }
    let sysctls = spec
        .linux()
        .as_ref()
        .and_then(|l| l.sysctl().clone())
        .unwrap_or_default();
    let mut keys: Vec<&String> = sysctls.keys().collect();
    keys.sort();
    for key in keys {
        let ipc = key.starts_with("fs.mqueue.")
            || [
                "kernel.msgmax",
                "kernel.msgmnb",
                "kernel.msgmni",
                "kernel.sem",
                "kernel.shmall",
                "kernel.shmmax",
                "kernel.shmmni",
                "kernel.shm_rmid_forced",
            ]
            .contains(&key.as_str());
        let refused = if ipc {
            (!has(LinuxNamespaceType::Ipc))
                .then(|| format!("sysctl {key:?} is not allowed in the hosts ipc namespace"))
        } else if key.starts_with("net.") {
            (!has(LinuxNamespaceType::Network))
                .then(|| format!("sysctl {key:?} is not allowed in the hosts network namespace"))
        } else if key == "kernel.domainname" && has(LinuxNamespaceType::Uts) {
            None
        } else if key == "kernel.hostname" && has(LinuxNamespaceType::Uts) {
            Some(format!(
                "sysctl {key:?} is not allowed as it conflicts with the OCI \"hostname\" field"
            ))
        } else {
            Some(format!(
                "sysctl {key:?} is not in a separate kernel namespace"
            ))
        };
        if refused.is_some() {
            return refused;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// runc 1.1's validator refuses these configs; so does sealbench, in runc's words.
    #[test]
    fn what_runc_refuses() {
        let spec = |edit: &dyn Fn(&mut serde_json::Value)| -> Spec {
            let mut v = serde_json::to_value(crate::bundle::spec_for_tests()).unwrap();
            edit(&mut v);
            serde_json::from_value(v).unwrap()
        };
        let without = |v: &mut serde_json::Value, typ: &str| {
            v["linux"]["namespaces"]
                .as_array_mut()
                .unwrap()
                .retain(|n| n["type"] != typ)
        };
        assert_eq!(runc_refuses(&spec(&|_| {})), None);
        let why = runc_refuses(&spec(&|v| without(v, "uts"))).unwrap();
        assert_eq!(
            why,
            "unable to set hostname without a private UTS namespace"
        );
        let why = runc_refuses(&spec(&|v| {
            v["linux"]["sysctl"] = serde_json::json!({"net.ipv4.ip_forward": "1"});
            without(v, "network");
        }));
        assert!(why
            .unwrap()
            .contains("not allowed in the hosts network namespace"));
        let why = runc_refuses(&spec(&|v| {
            v["linux"]["sysctl"] = serde_json::json!({"vm.swappiness": "1"})
        }));
        assert!(why
            .unwrap()
            .contains("is not in a separate kernel namespace"));
        let why = runc_refuses(&spec(&|v| {
            v["linux"]["maskedPaths"] = serde_json::json!(["/proc/kcore"]);
            without(v, "mount");
        }));
        assert!(why.unwrap().contains("without a private MNT namespace"));
    }
}
