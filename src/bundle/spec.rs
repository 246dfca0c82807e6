use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, MountBuilder, ProcessBuilder,
    RootBuilder, Spec, SpecBuilder,
};

pub const HOSTNAME: &str = "sealbench";

/// The bundle's config.json: pid, mount, ipc, uts and network namespaces; /proc, /dev and
/// /dev/pts; `/bin/true` without a terminal. Everything else is left at what runc's own
/// `runc spec` would say, except what sealbench's own start cannot do, which is left out
/// (see the README), so that runc, crun and sealbench are asked for the same container.
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
        .no_new_privileges(true)
        .build()
        .expect("valid process");
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
        .linux(
            LinuxBuilder::default()
                .namespaces(namespaces.to_vec())
                .build()
                .expect("valid linux"),
        )
        .build()
        .expect("valid spec")
}
