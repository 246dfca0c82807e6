use super::Unit;
use crate::results::{Entry, Kind};

/// The results row of a measured unit.
pub fn entry(unit: &Unit, mount_events_method: Option<&str>) -> Entry {
    let mut e = Entry {
        strategy: unit.name(),
        workload: unit.workload.clone(),
        ..Entry::default()
    };
    let (status, reason) = unit.state.status();
    e.status = status;
    e.reason = reason;
    e.times = unit.samples.iter().map(|s| s.wall).collect();
    e.user_times = unit.samples.iter().map(|s| s.user).collect();
    e.system_times = unit.samples.iter().map(|s| s.system).collect();
    if unit.samples.iter().all(|s| s.phases.is_some()) {
        e.phases_per_start = unit
            .samples
            .iter()
            .filter_map(|s| s.phases.map(|p| p.as_array()))
            .collect();
    }
    e.counters_per_start = unit
        .samples
        .iter()
        .map(|s| {
            let c = s.counters;
            [
                c.minor_faults,
                c.major_faults,
                c.voluntary_switches,
                c.involuntary_switches,
            ]
        })
        .collect();
    e.rounds = unit.samples.iter().map(|s| s.round).collect();
    e.max_rss_bytes = unit.samples.iter().map(|s| s.max_rss_kib * 1024).max();
    e.version = unit.version.clone();
    e.kind = if unit.row.is_runtime() {
        Kind::Runtime
    } else {
        Kind::Strategy
    };
    e.copies_per_start = unit.row.strategy().is_some_and(|s| s.copies_per_start());
    e.control_of = match &unit.row {
        super::Row::Unphased(s) => Some(s.name().to_string()),
        _ => None,
    };
    e.path = unit.path.clone();
    e.sha256 = unit.sha256.clone();
    e.seals = unit.seals.clone();
    e.used = unit.used.map(String::from);
    e.timeouts = unit.timeouts;
    if e.is_ok() && !unit.samples.is_empty() {
        if let (Some(n), Some(method)) = (unit.mount_events, mount_events_method) {
            record_mount_events(&mut e, n, method);
        }
    }
    e.container_memory_charge_bytes = unit.memory_charge;
    e.container_memory_charge_starts = unit.memory_charge_starts;
    e.background = unit
        .background
        .as_ref()
        .map(crate::results::BackgroundWork::of);
    e.seal_expected = unit.seal_expected;
    e.provenance = unit.provenance.clone();
    if let Some(o) = &unit.observed {
        e.seal_observed = Some(crate::observe::refine(o.seal, unit.mount_events));
        e.seal_evidence = Some(o.seal_evidence.clone());
        e.data = o.data;
        e.data_evidence = Some(o.data_evidence.clone());
    }
    if let Some((available, shmem)) = unit.memory_per_live {
        // A copy on shmem (memfd, a tmpfile on tmpfs) shows in Shmem exactly, while
        // MemAvailable, an estimate, counts part of it as reclaimable; anything else
        // shows only in MemAvailable. The larger of the two is what a live container costs.
        e.extra_memory_bytes_per_live = Some(available.max(shmem));
        e.extra_shmem_bytes_per_live = Some(shmem);
    }
    e
}

/// Put a per-start count of mount events where it belongs: an exact count in
/// `mount_events_per_start`; a poller's wake-ups, a lower bound, in a field of their own.
fn record_mount_events(e: &mut Entry, per_start: f64, method: &str) {
    e.mount_events_method = Some(method.to_string());
    if crate::results::is_exact(method) {
        e.mount_events_per_start = Some(per_start);
    } else {
        e.mountinfo_wakeups_per_start = Some(per_start);
        e.mountinfo_wakeups_bound = Some("lower".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_wakeups_never_fill_the_exact_field() {
        let mut exact = Entry::default();
        record_mount_events(&mut exact, 2.0, "fanotify");
        assert_eq!(exact.mount_events_per_start, Some(2.0));
        assert_eq!(exact.mountinfo_wakeups_per_start, None);
        let mut polled = Entry::default();
        record_mount_events(&mut polled, 1.0, "mountinfo-poll");
        assert_eq!(polled.mount_events_per_start, None);
        assert_eq!(polled.mountinfo_wakeups_per_start, Some(1.0));
        assert_eq!(polled.mountinfo_wakeups_bound.as_deref(), Some("lower"));
        assert_eq!(
            polled.mount_events_method.as_deref(),
            Some("mountinfo-poll")
        );
        let json = serde_json::to_value(&polled).unwrap();
        assert!(json.get("mount_events_per_start").is_none(), "{json}");
    }
}
