use crate::named::named_enum;

named_enum! {
    /// The columns of the audit's matrix: the attacks, by the stable ids the JSON, the
    /// payload's command line and the strategies' records use, and the page-cache property
    /// reported beside them.
    pub enum AttackId, "attack" {
        WriteRunning = "write-running",
        WriteParentExe = "write-parent-exe",
        ReopenAfterExit = "reopen-after-exit",
        RemountRw = "remount-rw",
        OpenByHandle = "open-by-handle",
        TruncateSealed = "truncate-sealed",
        SharesPageCache = "shares-page-cache",
    }
}

/// One attack of the audit, by its stable id.
pub struct Attack {
    pub id: AttackId,
    /// What the container does.
    pub how: &'static str,
    /// An argument for the payload, if it needs one.
    pub arg: Option<&'static str>,
}

pub const ATTACKS: &[Attack] = &[
    Attack { id: AttackId::WriteRunning, how: "open /proc/self/exe for writing while it runs", arg: None },
    Attack { id: AttackId::WriteParentExe, how: "open /proc/<runtime parent>/exe for writing", arg: None },
    Attack {
        id: AttackId::ReopenAfterExit,
        how: "hold an O_PATH fd to /proc/self/exe; once the runtime is gone, reopen it O_RDWR and write",
        arg: None,
    },
    Attack {
        id: AttackId::RemountRw,
        how: "with CAP_SYS_ADMIN, clear RDONLY on the held fd's mount (mount_setattr, MS_REMOUNT), then write",
        arg: None,
    },
    Attack {
        id: AttackId::OpenByHandle,
        how: "with CAP_DAC_READ_SEARCH, open the held fd's file handle through a writable mount of its filesystem",
        arg: Some(super::DECOY_MOUNT),
    },
    Attack { id: AttackId::TruncateSealed, how: "ftruncate, fallocate and write on the sealed object", arg: None },
];

/// The property reported beside the attacks.
pub const PAGE_CACHE: AttackId = AttackId::SharesPageCache;
