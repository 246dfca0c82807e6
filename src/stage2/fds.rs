//! The descriptor numbers of stage 2's protocol, declared once: stage 2 (a no_std program
//! of its own, `main.rs` here) and the driver (`workload::stage2`, the audit, the attack
//! payload) both include this file, so neither side can move a number alone.

/// Stage 2's report pipe when it is inspected, and the attack payload's report pipe.
pub const REPORT_FD: i32 = 3;
/// The O_PATH descriptor of /proc/self/exe that stage 2 leaves open for the payload, as
/// CVE-2019-5736's exploit holds it.
pub const HELD_FD: i32 = 4;
/// The sealed object a `--parent-of` stage 2 spawns.
pub const SEALED_FD: i32 = 6;
/// The pipe whose end of file tells a `--parent-of` stage 2 that its child has exec'd.
pub const SYNC_FD: i32 = 7;
/// The first descriptor free for the driver's hops: above every number stage 2 uses.
pub const FIRST_FREE_FD: i32 = 8;
