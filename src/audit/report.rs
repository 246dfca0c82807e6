use super::judge::{Outcome, Verdict};
use super::{AttackId, ATTACKS, PAGE_CACHE};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use indexmap::IndexSet;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

pub const SCHEMA: &str = "sealbench-audit/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finding {
    pub strategy: String,
    pub attack: AttackId,
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Finding {
    pub fn new(strategy: &str, attack: AttackId, outcome: Outcome) -> Finding {
        Finding {
            strategy: strategy.into(),
            attack,
            outcome,
        }
    }

    /// `blocked (EROFS)`, `writable`, `n/a`, `yes`.
    pub fn cell(&self) -> String {
        match (self.outcome.outcome, &self.outcome.errno) {
            (Verdict::NotApplicable, _) => "n/a".into(),
            (o, Some(e)) => format!("{o} ({e})"),
            (o, None) => o.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditReport {
    pub schema: String,
    pub kernel: String,
    /// Where the decoys lived, and why there.
    pub decoy: String,
    /// Every decoy was byte-identical to its original after the whole audit (each was
    /// restored after any attack that changed it).
    pub decoys_intact: bool,
    pub results: Vec<Finding>,
    /// The full-start block: the attacks from inside a real container started by
    /// sealbench's libcontainer runtime, sealed by each strategy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub full_start: Vec<Finding>,
    /// The peer block: real runtimes, each run from a decoy copy of its binary, attacked
    /// through `exec` of a `#!/proc/self/exe` entry point (see `audit::peers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Finding>,
    /// The peers' installed binaries were byte-identical (sha256) after their audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_intact: Option<bool>,
}

fn columns() -> Vec<AttackId> {
    ATTACKS.iter().map(|a| a.id).chain([PAGE_CACHE]).collect()
}

fn strategies(findings: &[Finding]) -> IndexSet<&str> {
    findings.iter().map(|f| f.strategy.as_str()).collect()
}

fn cell(findings: &[Finding], strategy: &str, attack: AttackId) -> String {
    findings
        .iter()
        .find(|f| f.strategy == strategy && f.attack == attack)
        .map(Finding::cell)
        .unwrap_or_default()
}

fn table(findings: &[Finding], columns: &[AttackId]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(std::iter::once("strategy").chain(columns.iter().map(|a| a.as_str())));
    for s in strategies(findings) {
        table.add_row(
            std::iter::once(s.to_string()).chain(columns.iter().map(|a| cell(findings, s, *a))),
        );
    }
    table
}

/// The strategy × attack matrix for the terminal.
pub fn matrix_table(report: &AuditReport) -> Table {
    table(&report.results, &columns())
}

/// The full-start block's matrix for the terminal.
pub fn full_start_table(report: &AuditReport) -> Table {
    table(&report.full_start, super::full_start::ATTACKS)
}

/// The peer block's matrix for the terminal.
pub fn peers_table(report: &AuditReport) -> Table {
    let mut t = table(&report.peers, super::peers::ATTACKS);
    t.set_header(
        std::iter::once("runtime").chain(super::peers::ATTACKS.iter().map(|a| a.as_str())),
    );
    t
}

fn markdown_matrix(findings: &[Finding], columns: &[AttackId]) -> String {
    let names: Vec<&str> = columns.iter().map(|a| a.as_str()).collect();
    let mut out = format!(
        "| strategy | {} |\n|:---|{}\n",
        names.join(" | "),
        ":---|".repeat(columns.len())
    );
    for s in strategies(findings) {
        let cells: Vec<String> = columns.iter().map(|a| cell(findings, s, *a)).collect();
        let _ = writeln!(out, "| {s} | {} |", cells.join(" | "));
    }
    out
}

impl AuditReport {
    /// The matrix as Markdown, then one line per distinct outcome saying why.
    pub fn markdown(&self) -> String {
        let mut out = markdown_matrix(&self.results, &columns());
        let _ = writeln!(out, "\nKernel {}. Decoys: {}.\n", self.kernel, self.decoy);
        if !self.full_start.is_empty() {
            let _ = writeln!(
                out,
                "**Full start** (sealbench's libcontainer runtime sealed by each strategy, run as \
                 `create` + `start`; the container's process is the runtime binary re-exec'd \
                 through the init's /proc/self/exe and attacks from inside the container):\n"
            );
            out.push_str(&markdown_matrix(
                &self.full_start,
                super::full_start::ATTACKS,
            ));
            out.push('\n');
        }
        if !self.peers.is_empty() {
            let _ = writeln!(
                out,
                "**Runtimes** (each run from a decoy copy of its binary; the container's \
                 process waits while the runtime `exec`s a `#!/proc/self/exe` entry point into \
                 the container, then attacks that process's image):\n"
            );
            out.push_str(
                &markdown_matrix(&self.peers, super::peers::ATTACKS).replacen(
                    "| strategy |",
                    "| runtime |",
                    1,
                ),
            );
            out.push('\n');
        }
        let reasons: IndexSet<(String, &str)> = self
            .results
            .iter()
            .chain(&self.full_start)
            .chain(&self.peers)
            .map(|f| (f.cell(), f.outcome.explanation.as_str()))
            .collect();
        for (cell, why) in reasons {
            let _ = writeln!(out, "- **{cell}**: {why}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed findings read and write the saved audit exactly as the text did, and its
    /// Markdown comes out the same.
    #[test]
    fn a_saved_audit_loads_and_renders_unchanged() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/results");
        let text = std::fs::read_to_string(format!("{dir}/audit.json")).unwrap();
        let report: AuditReport = serde_json::from_str(&text).unwrap();
        let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_value(&report).unwrap(), saved);
        let md = std::fs::read_to_string(format!("{dir}/audit.md")).unwrap();
        assert_eq!(report.markdown(), md);
        for kernel in std::fs::read_dir(format!("{dir}/kernels")).unwrap() {
            let path = kernel.unwrap().path().join("audit.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let report: AuditReport = serde_json::from_str(&text).unwrap();
            let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                serde_json::to_value(&report).unwrap(),
                saved,
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn an_unknown_attack_or_verdict_is_refused_by_name() {
        let e = "rewrite".parse::<AttackId>().unwrap_err();
        assert!(
            e.starts_with("unknown attack \"rewrite\" (one of write-running, "),
            "{e}"
        );
        assert_eq!(
            "not-applicable".parse::<Verdict>(),
            Ok(Verdict::NotApplicable)
        );
        assert!(serde_json::from_str::<Verdict>("\"maybe\"").is_err());
    }
}
