use super::AuditReport;
use indexmap::IndexSet;
use strategies::KernelVersion;

/// The `explanation` the audit gives every cell of a strategy that is unsupported here
/// starts with this (see `audit_strategy`).
const UNSUPPORTED: &str = "unsupported here";

/// Whether `strategy`'s findings are those of a strategy this kernel cannot run: every
/// cell `not-applicable` because its probe failed.
fn unsupported(findings: &[&super::Finding]) -> bool {
    !findings.is_empty()
        && findings.iter().all(|f| {
            f.outcome.outcome == super::judge::Verdict::NotApplicable
                && f.outcome.explanation.starts_with(UNSUPPORTED)
        })
}

/// Every cell that differs from what the strategy records for this kernel
/// ([`strategies::SealStrategy::expected_audit`]), as `strategy/attack: expected X, got Y`.
/// A strategy that is unsupported on this kernel has `not-applicable` cells, which are
/// expected, whatever it records. `None` when no strategy in the report records anything
/// for this kernel: then nothing is checked.
pub fn differences(report: &AuditReport) -> Option<Vec<String>> {
    let kernel = KernelVersion::parse(&report.kernel)?;
    let names: IndexSet<&str> = report.results.iter().map(|f| f.strategy.as_str()).collect();
    let record = |name: &str| strategies::by_name(name).and_then(|s| s.expected_audit(kernel));
    if names.iter().all(|n| record(n).is_none()) {
        return None;
    }
    let mut out = Vec::new();
    for name in names {
        let findings: Vec<&super::Finding> = report
            .results
            .iter()
            .filter(|f| f.strategy == name)
            .collect();
        if unsupported(&findings) {
            continue;
        }
        let Some(cells) = record(name) else {
            out.push(format!(
                "{name}: no expectation recorded for this strategy on kernel {kernel}"
            ));
            continue;
        };
        for f in findings {
            let Some((_, want)) = cells
                .iter()
                .find(|(attack, _)| *attack == f.attack.as_str())
            else {
                out.push(format!(
                    "{name}/{}: no expectation recorded for this attack on kernel {kernel}",
                    f.attack
                ));
                continue;
            };
            if f.cell() != *want {
                out.push(format!(
                    "{name}/{}: expected {want}, got {}",
                    f.attack,
                    f.cell()
                ));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{report::Finding, AuditReport};
    use super::*;

    fn columns() -> Vec<super::super::AttackId> {
        super::super::ATTACKS
            .iter()
            .map(|a| a.id)
            .chain([super::super::PAGE_CACHE])
            .collect()
    }

    fn finding(
        strategy: &str,
        attack: super::super::AttackId,
        cell: &str,
        explanation: &str,
    ) -> Finding {
        let (outcome, errno) = match cell.split_once(" (") {
            Some((o, e)) => (o, Some(e.trim_end_matches(')').to_string())),
            None => (cell, None),
        };
        let outcome = super::super::judge::Outcome {
            outcome: outcome.parse().unwrap(),
            errno,
            explanation: explanation.into(),
            detail: None,
        };
        Finding::new(strategy, attack, outcome)
    }

    fn report(kernel: &str, strategy: &str, cells: &[&str]) -> AuditReport {
        AuditReport {
            full_start: Vec::new(),
            peers: Vec::new(),
            installed_intact: None,
            schema: super::super::SCHEMA.into(),
            kernel: kernel.into(),
            decoy: String::new(),
            decoys_intact: true,
            results: columns()
                .iter()
                .zip(cells)
                .map(|(attack, cell)| finding(strategy, *attack, cell, "x"))
                .collect(),
        }
    }

    /// The cells `strategy` records for `kernel`, in the matrix's column order.
    fn recorded(strategy: &str, kernel: &str) -> Vec<&'static str> {
        let cells = strategies::by_name(strategy)
            .unwrap()
            .expected_audit(KernelVersion::parse(kernel).unwrap())
            .unwrap();
        columns()
            .iter()
            .map(|c| cells.iter().find(|(a, _)| *a == c.as_str()).unwrap().1)
            .collect()
    }

    #[test]
    fn the_recorded_matrix_matches_itself_and_a_changed_cell_is_named() {
        let memfd = recorded("memfd", "6.18.0");
        assert_eq!(
            memfd,
            [
                "blocked (ETXTBSY)",
                "blocked (ETXTBSY)",
                "blocked (EPERM)",
                "blocked (EPERM)",
                "blocked (ESTALE)",
                "blocked (EPERM)",
                "no"
            ],
            "6.18's record is the one measured on the host"
        );
        assert_eq!(
            differences(&report("6.18.0", "memfd", &memfd)),
            Some(vec![])
        );
        let mut changed = memfd.clone();
        changed[2] = "writable";
        let diffs = differences(&report("6.18.0", "memfd", &changed)).unwrap();
        assert_eq!(
            diffs,
            vec!["memfd/reopen-after-exit: expected blocked (EPERM), got writable".to_string()]
        );
        assert_eq!(
            differences(&report("5.15.0", "memfd", &memfd)),
            None,
            "no expectations for 5.x"
        );
    }

    #[test]
    fn every_strategy_records_every_column_on_the_measured_kernels() {
        for kernel in [
            "6.1.0-57-amd64",
            "6.12.118+deb13-amd64",
            "6.18.15+deb13-amd64",
            "6.18.44-fc-v669",
        ] {
            for s in strategies::registry() {
                let cells = recorded(s.name(), kernel);
                assert_eq!(cells.len(), columns().len(), "{} on {kernel}", s.name());
                assert_eq!(
                    differences(&report(kernel, s.name(), &cells)),
                    Some(vec![]),
                    "{} on {kernel}",
                    s.name()
                );
            }
        }
    }

    #[test]
    fn memfd_bind_records_its_holder_on_6_12_only() {
        // On 6.12 the keeper is a process running the sealed copy: ETXTBSY before the seals.
        let reopen = |k| recorded("memfd-bind", k)[2];
        assert_eq!(reopen("6.12.118+deb13-amd64"), "blocked (ETXTBSY)");
        assert_eq!(reopen("6.1.0-57-amd64"), "blocked (EPERM)");
        assert_eq!(reopen("6.18.15+deb13-amd64"), "blocked (EPERM)");
        let held = recorded("memfd-bind", "6.12.118+deb13-amd64");
        let diffs = differences(&report("6.18.44-fc-v669", "memfd-bind", &held)).unwrap();
        assert_eq!(diffs.len(), 3, "{diffs:?}");
    }

    #[test]
    fn an_unsupported_strategy_is_expected_to_be_not_applicable() {
        let na: Vec<Finding> = columns()
            .iter()
            .map(|a| {
                finding(
                    "memfd-bind",
                    *a,
                    "not-applicable",
                    "unsupported here: keeper: ENOENT",
                )
            })
            .collect();
        let mut r = report("6.12.118+deb13-amd64", "memfd-bind", &[]);
        r.results = na.clone();
        assert_eq!(differences(&r), Some(vec![]));
        // A not-applicable cell for any other reason is a difference.
        r.results[0] = finding("memfd-bind", columns()[0], "not-applicable", "no text page");
        let diffs = differences(&r).unwrap();
        assert_eq!(diffs.len(), columns().len(), "{diffs:?}");
        assert!(
            diffs[0].contains("expected blocked (ETXTBSY), got n/a"),
            "{diffs:?}"
        );
    }
}
