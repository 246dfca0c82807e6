use super::Exporter;
use crate::output::model::{Align, TimeUnit, View};
use crate::results::Analyzed;
use std::fmt::Write;

/// A Markdown table to paste into a pull request, with the host and method under it.
pub struct MarkdownExporter;

/// Text from a results file made safe for one table cell: a `|` would end the cell and a
/// line break the row, so the one is escaped and the other becomes a space. Markdown
/// passes HTML through, so `<`, `>` and `&` are written as entities (a `<script>` stays
/// text), and what would act on the page (a bidi override) is shown as its escape.
pub fn cell(s: &str) -> String {
    let one_line = s
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ");
    crate::output::shown(&one_line)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Exporter for MarkdownExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        // The terminal's wide table, in milliseconds: the same model, another renderer.
        let view = View {
            wide: true,
            unit: TimeUnit::Millisecond,
            ..View::default()
        };
        let model = crate::output::model::results(results, results.reference(), &view);
        let mut out = String::new();
        let headers: Vec<String> = std::iter::once("workload".to_string())
            .chain(model.columns.iter().map(|c| cell(c.header)))
            .collect();
        let _ = writeln!(out, "| {} |", headers.join(" | "));
        let rule: Vec<&str> = std::iter::once(":---")
            .chain(model.columns.iter().map(|c| match c.align {
                Align::Left => ":---",
                Align::Right => "---:",
            }))
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &model.rows {
            let cells: Vec<String> = std::iter::once(&row.workload)
                .chain(&row.cells)
                .map(|c| cell(c))
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        let h = &results.host;
        let _ = write!(
            out,
            "\nKernel {}, {} CPUs{}, runtime binary {} bytes.",
            cell(&h.kernel),
            h.cpus,
            h.cpu_model
                .as_deref()
                .map(|m| format!(" ({})", cell(m)))
                .unwrap_or_default(),
            h.exe_size_bytes
        );
        if let Some(p) = &results.plan {
            let _ = write!(
                out,
                " Interleaved rounds, every strategy in every round, seed {}, {} warmup rounds{}.",
                p.seed,
                p.warmup,
                if p.passes > 1 {
                    format!(", {} independent passes", p.passes)
                } else {
                    String::new()
                }
            );
        }
        out.push_str(" Every figure of a row is over the rounds it shares with the reference.");
        out.push('\n');
        out.push_str(&crate::output::table::legend(results.reference()));
        out.into_bytes()
    }
}
