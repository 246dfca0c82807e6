use crate::benchmark::{Plan, RunCount};
use crate::cli::SweepArgs;
use crate::error::{Error, Result};
use crate::export::write_atomic;
use crate::sandbox::{in_sandbox, Options};
use crate::sweep::{self, Param, SweepResults};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use indexmap::IndexSet;

/// `sealbench sweep`: one measurement per value of a parameter.
pub fn run(args: &SweepArgs) -> Result<i32> {
    let param = args.param;
    let values = param.values(&args.values).map_err(Error::usage)?;
    // Interleaved values make a repeated value pointless; refusing it beats merging it
    // silently.
    for (i, (v, n)) in values.iter().enumerate() {
        if let Some((w, _)) = values[..i].iter().find(|(_, m)| m == n) {
            return Err(Error::usage(format!(
                "--values: {v:?} repeats {w:?}: every value runs in every round already; give each once"
            )));
        }
    }
    let (strategies, workloads) = (args.strategies.0.clone(), args.workload.0.clone());
    let export = crate::export::ExportSpec {
        json: args.export_json.clone(),
        plot: args.plot.clone(),
        ..Default::default()
    };
    super::render::check_outputs(&export, &[])?;
    let sizes: Vec<u64> = match param {
        Param::ExeSize => values.iter().map(|(_, n)| *n as u64).collect(),
        _ => vec![args.exe_size],
    };
    for size in sizes {
        crate::sandbox::budget::check_exe_size(size, strategies.len() * workloads.len())?;
    }
    super::require_root_unless_rootless("sweep", args.rootless, &strategies)?;
    let plan = Plan {
        warmup: args.warmup,
        runs: RunCount::Fixed(args.runs),
        block: 1,
        seed: args.seed.unwrap_or_else(rand::random),
        passes: 1,
    };
    eprintln!(
        "sealbench: seed {} (repeat with --seed {})",
        plan.seed, plan.seed
    );
    let options = Options {
        exe_size: args.exe_size,
        rootless: args.rootless,
        ..Options::default()
    };
    let quiet = args.quiet;
    let timeout = std::time::Duration::from_secs_f64(args.run_timeout);
    let results = in_sandbox(options, |sb| {
        crate::process::watchdog::start(timeout);
        sweep::run(
            sb,
            param,
            &values,
            &strategies,
            &workloads,
            &plan,
            &crate::output::Progress::new(quiet),
        )
    })?;
    let sweep = SweepResults {
        schema: sweep::SCHEMA.into(),
        param,
        host: crate::host::describe(args.exe_size),
        plan,
        results,
    };
    if let Some(p) = &args.export_json {
        let mut bytes = serde_json::to_vec_pretty(&sweep).expect("serialize");
        bytes.push(b'\n');
        write_atomic(p, &bytes)?;
    }
    if let Some(dir) = &args.plot {
        for path in crate::plot::write_sweep_charts(&sweep, dir)? {
            crate::output::emit::err(&format!("sealbench: wrote {}", path.display()));
        }
    }
    let rounds = sweep.rounds();
    crate::output::emit::out(&format!(
        "{}\nEvery value ran in the same {rounds} interleaved round{}; ×: the median over the \
         first value's, with its 95% CI (circular block bootstrap over rounds).\n",
        table(&sweep),
        if rounds == 1 { "" } else { "s" }
    ))?;
    failed_cells(&sweep)
}

/// A sweep with failed cells fails, as `compare` does with a failed row: exit 1 naming
/// them (their reasons are in the table and the export).
fn failed_cells(sweep: &SweepResults) -> Result<i32> {
    let failed: Vec<String> = sweep
        .results
        .iter()
        .filter(|e| e.status == crate::results::Status::Failed)
        .map(|e| {
            format!(
                "{}/{} at {} = {} ({})",
                e.workload,
                e.strategy,
                sweep.param,
                e.value,
                e.reason.as_deref().unwrap_or("no reason given")
            )
        })
        .collect();
    if failed.is_empty() {
        Ok(0)
    } else {
        Err(Error::failure(format!("failed: {}", failed.join("; "))))
    }
}

/// Medians per (workload, strategy) across the values; throughput too when measured.
fn table(sweep: &SweepResults) -> Table {
    let values: IndexSet<&str> = sweep.results.iter().map(|e| e.value.as_str()).collect();
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(
        ["workload", "strategy"]
            .into_iter()
            .map(String::from)
            .chain(values.iter().map(|v| format!("{} = {v}", sweep.param))),
    );
    let rows: IndexSet<(&str, &str)> = sweep
        .results
        .iter()
        .map(|e| (e.workload.as_str(), e.strategy.as_str()))
        .collect();
    for (w, s) in rows {
        let cells = values.iter().map(|v| {
            let e = sweep
                .results
                .iter()
                .find(|e| e.workload == w && e.strategy == s && e.value == *v);
            match e {
                Some(e) => match (e.median, e.throughput) {
                    (Some(m), tp) => {
                        let tp = tp.map(|t| format!(", {t:.0}/s")).unwrap_or_default();
                        match &e.growth {
                            Some(g) if g.from != e.value => {
                                format!("{}{tp}\n{}", crate::output::duration(m), g.text())
                            }
                            _ => format!("{}{tp}", crate::output::duration(m)),
                        }
                    }
                    _ => e.status.word().to_string(),
                },
                None => String::new(),
            }
        });
        t.add_row([w.to_string(), s.to_string()].into_iter().chain(cells));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Status;
    use crate::sweep::SweepEntry;

    #[test]
    fn a_sweep_with_a_failed_cell_fails() {
        let cell = |status: Status, reason: Option<&str>| SweepEntry {
            strategy: "memfd".into(),
            workload: "exec-true".into(),
            value: "1M".into(),
            value_num: 1048576.0,
            status,
            reason: reason.map(String::from),
            median: None,
            ci95_median: None,
            times: Vec::new(),
            rounds: Vec::new(),
            throughput: None,
            growth: None,
        };
        let mut sweep = SweepResults {
            schema: sweep::SCHEMA.into(),
            param: Param::ExeSize,
            host: crate::results::sample::sample().host,
            plan: crate::results::sample::sample().plan.unwrap(),
            results: vec![
                cell(Status::Ok, None),
                cell(Status::Unsupported, Some("no")),
            ],
        };
        assert_eq!(failed_cells(&sweep).unwrap(), 0);
        sweep
            .results
            .push(cell(Status::Failed, Some("set-up: ENOSPC")));
        let e = failed_cells(&sweep).unwrap_err();
        assert_eq!(e.code(), 1);
        assert!(
            e.to_string()
                .contains("exec-true/memfd at exe-size = 1M (set-up: ENOSPC)"),
            "{}",
            e.to_string()
        );
    }
}
