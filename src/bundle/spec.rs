use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, MountBuilder, ProcessBuilder,
    RootBuilder, Spec, SpecBuilder,
};

pub const HOSTNAME: &str = "sealbench";

/// The bundle's config.json: pid, mount, ipc, uts and network namespaces; /proc, /dev and
/// /dev/pts; `/bin/true` without a terminal. Nothing sealbench's own start does not do is
/// asked for (see the README): oci-spec's defaults for capabilities, rlimits, masked and
/// read-only paths and cgroup device rules are taken out, and no_new_privs is not asked
/// for, so that runc, crun and sealbench are asked for the same container.
pub fn spec() -> Spec {
    let mount = |dest: &str, typ: &str, options: &[&str]| {
        MountBuilder::default()
            .destination(dest)
            .typ(typ)
            .source(typ)
            .options(options.iter().map(|o| o.to_string()).collect::<Vec<_>>())
            .build()
            .expect("valid mount")
    };
    let namespaces = [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Network,
    ]
    .map(|typ| {
        LinuxNamespaceBuilder::default()
            .typ(typ)
            .build()
            .expect("valid namespace")
    });
    let process = ProcessBuilder::default()
        .terminal(false)
        .args(vec!["/bin/true".to_string()])
        .env(vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
        ])
        .cwd("/")
        .build()
        .expect("valid process");
    let mut process = process;
    process.set_capabilities(None);
    process.set_rlimits(None);
    process.set_no_new_privileges(None);
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces.to_vec())
        .build()
        .expect("valid linux");
    linux.set_masked_paths(None);
    linux.set_readonly_paths(None);
    linux.set_resources(None);
    SpecBuilder::default()
        .version("1.0.2")
        .hostname(HOSTNAME)
        .root(
            RootBuilder::default()
                .path("rootfs")
                .readonly(true)
                .build()
                .expect("valid root"),
        )
        .process(process)
        .mounts(vec![
            mount("/proc", "proc", &["nosuid", "noexec", "nodev"]),
            mount(
                "/dev",
                "tmpfs",
                &["nosuid", "strictatime", "mode=755", "size=65536k"],
            ),
            mount(
                "/dev/pts",
                "devpts",
                &[
                    "nosuid",
                    "noexec",
                    "newinstance",
                    "ptmxmode=0666",
                    "mode=0620",
                ],
            ),
        ])
        .linux(linux)
        .build()
        .expect("valid spec")
}

#[cfg(test)]
mod tests {
    /// What the README promises of the default bundle: none of the features sealbench's
    /// own start lacks.
    #[test]
    fn asks_for_nothing_sealbench_does_not_do() {
        let v = serde_json::to_value(super::spec()).unwrap();
        for key in [
            "capabilities",
            "rlimits",
            "noNewPrivileges",
            "apparmorProfile",
            "selinuxLabel",
        ] {
            assert!(v["process"].get(key).is_none(), "process.{key}: {v}");
        }
        for key in [
            "maskedPaths",
            "readonlyPaths",
            "resources",
            "seccomp",
            "devices",
            "uidMappings",
        ] {
            assert!(v["linux"].get(key).is_none(), "linux.{key}: {v}");
        }
        assert!(v.get("hooks").is_none());
        assert_eq!(v["process"]["args"][0], "/bin/true");
    }
}
