use crate::benchmark::{Plan, RunCount};
use crate::cli::SweepArgs;
use crate::error::{Error, Result};
use crate::export::write_atomic;
use crate::sandbox::in_sandbox;
use crate::sweep::{self, Param, SweepResults};
use crate::workload::CopyIn;

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
    let limits = param == Param::MemoryLimit;
    if args.copy_in.is_some() && !limits {
        return Err(Error::usage(format!(
            "--copy-in is for --param memory-limit (this sweep is {param})"
        )));
    }
    let known = args.runtimes.as_ref().map_or(&[][..], |l| &l.0[..]);
    let peers_fit = limits || param == Param::Concurrency;
    if (!known.is_empty() || !args.runtime.is_empty()) && !peers_fit {
        return Err(Error::usage(format!(
            "--runtimes and --runtime are for --param memory-limit or concurrency (this sweep is {param})"
        )));
    }
    if limits && args.plot.is_some() {
        return Err(Error::usage(
            "--plot: a memory-limit sweep's figures are counts of starts; see its table and --export-json",
        ));
    }
    let runtimes = crate::peer::resolve(known, &args.runtime, &args.runtime_arg)?;
    if args.rootless && !runtimes.is_empty() {
        return Err(Error::usage(
            "--runtimes is not run with --rootless: the peers need real root for their cgroups",
        ));
    }
    if args.rootless && limits {
        return Err(Error::usage(
            "--param memory-limit is not run with --rootless: it makes memory cgroups, which takes real root",
        ));
    }
    let strategies = args.strategies.0.clone();
    let workloads = match &args.workload {
        Some(w) => w.0.clone(),
        None => {
            let default = if limits {
                "container-start"
            } else {
                "exec-true"
            };
            default
                .parse::<crate::selection::WorkloadList>()
                .map_err(Error::usage)?
                .0
        }
    };
    if strategies.is_empty() && runtimes.is_empty() {
        return Err(Error::usage(
            "nothing to run: --strategies none and no --runtimes or --runtime",
        ));
    }
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
    let spec = sweep::Spec {
        param,
        values: &values,
        strategies: &strategies,
        workloads: &workloads,
        runtimes: &runtimes,
        copy_in: args.copy_in.unwrap_or(CopyIn::Container),
        plan: &plan,
        exe_size: args.exe_size,
        rootless: args.rootless,
    };
    let timeout = std::time::Duration::from_secs_f64(args.run_timeout);
    let (results, memory) = in_sandbox(spec.options(), |sb| {
        crate::process::watchdog::start(timeout);
        sweep::measure(sb, &spec, &crate::output::Progress::new(args.quiet))
    })?;
    let sweep = SweepResults {
        schema: sweep::SCHEMA.into(),
        param,
        host: crate::host::describe(args.exe_size),
        command: Some(crate::measure::reproduce(plan.seed)),
        plan,
        memory,
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
    crate::output::emit::out(&crate::output::sweep::text(&sweep))?;
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
            memory_limit: None,
            burst_memory: None,
        };
        let mut sweep = SweepResults {
            schema: sweep::SCHEMA.into(),
            param: Param::ExeSize,
            host: crate::results::sample::sample().host,
            plan: crate::results::sample::sample().plan.unwrap(),
            command: None,
            memory: None,
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
