use crate::cli::MergeArgs;
use crate::error::{Error, Result};
use crate::export::{check_paths, markdown_cell, parse_results, write_atomic};
use crate::results::merge::{host_label, ratio, rows, Merged, Runs, SCHEMA};
use crate::results::Results;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::fmt::Write;

/// `sealbench merge A.json B.json …`: one comparison across hosts.
pub fn run(args: &MergeArgs) -> Result<i32> {
    if args.files.len() < 2 {
        return Err(Error::usage("merge takes at least two results files"));
    }
    let inputs: Vec<&std::path::Path> = args.files.iter().map(|p| p.as_path()).collect();
    check_paths(
        &inputs,
        &[
            ("--export-json", args.export_json.as_ref()),
            ("--export-markdown", args.export_markdown.as_ref()),
        ],
    )?;
    let mut runs = Runs::default();
    for path in &args.files {
        let r = parse_results(path)?;
        super::render::check_reference(&r, &args.reference, path)?;
        let r = crate::results::analyze(r, &args.reference).into_results();
        runs.add(r, path).map_err(Error::usage)?;
    }
    let merged = Merged {
        schema: SCHEMA.into(),
        reference: args.reference.clone(),
        runs: runs.into_runs(),
    };
    if let Some(p) = &args.export_json {
        let mut bytes = serde_json::to_vec_pretty(&merged).expect("serialize");
        bytes.push(b'\n');
        write_atomic(p, &bytes)?;
    }
    if let Some(p) = &args.export_markdown {
        write_atomic(p, markdown(&merged).as_bytes())?;
    }
    if let Some(dir) = &args.plot {
        for path in crate::plot::write_merge_chart(&merged, dir)? {
            crate::output::emit::err(&format!("sealbench: wrote {}", path.display()));
        }
    }
    crate::output::emit::out(&format!("{}\n", table(&merged)))?;
    Ok(0)
}

fn cell(run: &Results, w: &str, s: &str) -> String {
    ratio(run, w, s)
        .map(|(v, [lo, hi])| format!("{v:.2} ({lo:.2}–{hi:.2})"))
        .unwrap_or_else(|| "-".into())
}

fn table(m: &Merged) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(
        ["workload".to_string(), "strategy".to_string()]
            .into_iter()
            .chain(m.runs.iter().map(|r| host_label(&r.host))),
    );
    for (w, s) in rows(m) {
        t.add_row(
            [w.clone(), s.clone()]
                .into_iter()
                .chain(m.runs.iter().map(|r| cell(r, &w, &s))),
        );
    }
    t
}

fn markdown(m: &Merged) -> String {
    let mut out = format!(
        "| workload | strategy | {} |\n|:---|:---|{}\n",
        m.runs
            .iter()
            .map(|r| markdown_cell(&host_label(&r.host)))
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(m.runs.len())
    );
    for (w, s) in rows(m) {
        let cells: Vec<String> = m.runs.iter().map(|r| cell(r, &w, &s)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            markdown_cell(&w),
            markdown_cell(&s),
            cells.join(" | ")
        );
    }
    let _ = writeln!(
        out,
        "\nRatio of each median to {}'s on the same host, with its 95% CI.",
        markdown_cell(&m.reference)
    );
    out
}
