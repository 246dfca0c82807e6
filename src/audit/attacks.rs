/// One attack of the audit, by its stable id.
pub struct Attack {
    pub id: &'static str,
    /// What the container does.
    pub how: &'static str,
    /// An argument for the payload, if it needs one.
    pub arg: Option<&'static str>,
}

pub const ATTACKS: &[Attack] = &[
    Attack { id: "write-running", how: "open /proc/self/exe for writing while it runs", arg: None },
    Attack { id: "write-parent-exe", how: "open /proc/<runtime parent>/exe for writing", arg: None },
    Attack {
        id: "reopen-after-exit",
        how: "hold an O_PATH fd to /proc/self/exe; once the runtime is gone, reopen it O_RDWR and write",
        arg: None,
    },
    Attack {
        id: "remount-rw",
        how: "with CAP_SYS_ADMIN, clear RDONLY on the held fd's mount (mount_setattr, MS_REMOUNT), then write",
        arg: None,
    },
    Attack {
        id: "open-by-handle",
        how: "with CAP_DAC_READ_SEARCH, open the held fd's file handle through a writable mount of its filesystem",
        arg: Some(super::DECOY_MOUNT),
    },
    Attack { id: "truncate-sealed", how: "ftruncate, fallocate and write on the sealed object", arg: None },
];

/// The property reported beside the attacks.
pub const PAGE_CACHE: &str = "shares-page-cache";
