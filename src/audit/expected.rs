use super::AuditReport;

/// The outcomes measured on Linux 6.x (6.18 on x86-64), cell by cell in the matrix's
/// column order (the attacks, then shares-page-cache). An audit on a 6.x kernel that
/// differs from any of these exits 1. The `writable` cells are the README's subject.
#[rustfmt::skip]
pub const LINUX_6: &[(&str, &[&str])] = &[
    ("noclone", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "writable", "writable", "writable", "writable", "yes"]),
    ("memfd", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EPERM)", "blocked (EPERM)", "blocked (ESTALE)", "blocked (EPERM)", "no"]),
    ("memfd-bind", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EPERM)", "blocked (EPERM)", "blocked (ESTALE)", "blocked (EPERM)", "no"]),
    ("bind-ro", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EROFS)", "blocked (EROFS)", "writable", "blocked (EROFS)", "yes"]),
    ("overlayfs", &["blocked (EROFS)", "blocked (ETXTBSY)", "blocked (EROFS)", "blocked (EROFS)", "blocked (EOPNOTSUPP)", "blocked (EROFS)", "yes"]),
    ("tmpfile", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked", "blocked", "blocked", "blocked", "no"]),
    ("open-tree", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EROFS)", "writable", "writable", "blocked (EROFS)", "yes"]),
    ("dmz", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EPERM)", "blocked (EPERM)", "blocked (ESTALE)", "blocked (EPERM)", "no"]),
    ("bind-ro-host", &["blocked (ETXTBSY)", "blocked (ETXTBSY)", "blocked (EROFS)", "blocked (EROFS)", "writable", "blocked (EROFS)", "yes"]),
    ("fallback", &["blocked (EROFS)", "blocked (ETXTBSY)", "blocked (EROFS)", "blocked (EROFS)", "blocked (EOPNOTSUPP)", "blocked (EROFS)", "yes"]),
];

/// The recorded expectations for `kernel`'s family, if there are any.
pub fn for_kernel(kernel: &str) -> Option<&'static [(&'static str, &'static [&'static str])]> {
    match kernel.split('.').next()?.parse::<u32>().ok()? {
        6 => Some(LINUX_6),
        _ => None,
    }
}

/// Every cell that differs from the expectation, as `strategy/attack: expected X, got Y`.
/// `None` when no expectations are recorded for this kernel family.
pub fn differences(report: &AuditReport) -> Option<Vec<String>> {
    let expected = for_kernel(&report.kernel)?;
    let columns: Vec<&str> = super::ATTACKS
        .iter()
        .map(|a| a.id)
        .chain([super::PAGE_CACHE])
        .collect();
    let mut out = Vec::new();
    for f in &report.results {
        let Some((_, cells)) = expected.iter().find(|(s, _)| *s == f.strategy) else {
            out.push(format!(
                "{}: no expectation recorded for this strategy",
                f.strategy
            ));
            continue;
        };
        let Some(i) = columns.iter().position(|c| *c == f.attack) else {
            continue;
        };
        let want = cells.get(i).copied().unwrap_or("?");
        if f.cell() != want {
            out.push(format!(
                "{}/{}: expected {want}, got {}",
                f.strategy,
                f.attack,
                f.cell()
            ));
        }
    }
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{report::Finding, AuditReport};
    use super::*;

    fn report(kernel: &str, cells: &[&str]) -> AuditReport {
        let columns: Vec<&str> = super::super::ATTACKS
            .iter()
            .map(|a| a.id)
            .chain([super::super::PAGE_CACHE])
            .collect();
        let results = columns
            .iter()
            .zip(cells)
            .map(|(attack, cell)| {
                let (outcome, errno) = match cell.split_once(" (") {
                    Some((o, e)) => (o.to_string(), Some(e.trim_end_matches(')').to_string())),
                    None => (cell.to_string(), None),
                };
                let outcome = super::super::judge::Outcome {
                    outcome,
                    errno,
                    explanation: "x".into(),
                    detail: None,
                };
                Finding::new("memfd", attack, outcome)
            })
            .collect();
        AuditReport {
            full_start: Vec::new(),
            schema: super::super::SCHEMA.into(),
            kernel: kernel.into(),
            decoy: String::new(),
            decoys_intact: true,
            results,
        }
    }

    #[test]
    fn the_recorded_matrix_matches_itself_and_a_changed_cell_is_named() {
        let memfd = LINUX_6.iter().find(|(s, _)| *s == "memfd").unwrap().1;
        assert_eq!(differences(&report("6.18.0", memfd)), Some(vec![]));
        let mut changed: Vec<&str> = memfd.to_vec();
        changed[2] = "writable";
        let diffs = differences(&report("6.18.0", &changed)).unwrap();
        assert_eq!(
            diffs,
            vec!["memfd/reopen-after-exit: expected blocked (EPERM), got writable".to_string()]
        );
        assert_eq!(
            differences(&report("5.15.0", memfd)),
            None,
            "no expectations for 5.x"
        );
    }
}
