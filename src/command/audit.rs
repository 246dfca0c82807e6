use crate::audit::{self, AuditReport, Finding};
use crate::cli::{AuditArgs, AuditBlocks};
use crate::error::{Error, Result};
use crate::export::{check_paths, write_atomic};
use crate::sandbox::{in_sandbox, Options};

/// `sealbench audit`: the matrix of attacks against strategies on this kernel.
pub fn run(args: &AuditArgs) -> Result<i32> {
    let strategies = args.strategies.0.clone();
    check_paths(
        &[],
        &[
            ("--export-json", args.export_json.as_ref()),
            ("--export-markdown", args.export_markdown.as_ref()),
        ],
    )?;
    super::require_root("audit")?;
    let known = args.runtimes.as_ref().map_or(&[][..], |l| &l.0[..]);
    let runtimes = crate::peer::resolve(known, &args.runtime, &args.runtime_arg)?;

    let chain = args.workload != AuditBlocks::FullStart;
    let mut full = args.workload != AuditBlocks::ExecTrue;
    if full {
        if let Err(e) = crate::sandbox::runtime_path() {
            if args.workload == AuditBlocks::FullStart {
                return Err(Error::usage(format!(
                    "audit --workload full-start needs sealbench-runtime: {e}"
                )));
            }
            // `all` without the runtime beside sealbench: the exec-true block alone.
            crate::output::emit::err(&format!(
                "sealbench: no full-start block: sealbench-runtime is not here ({e})"
            ));
            full = false;
        }
    }
    let options = Options {
        exe_size: args.exe_size,
        // The full-start block runs a whole runtime: its cgroups want v1 on a hybrid host,
        // and a janitor that removes them if the audit is interrupted.
        cgroup_v1_only: full || !runtimes.is_empty(),
        expose: runtimes
            .iter()
            .filter_map(|r| r.exec_path().map(std::path::Path::to_path_buf))
            .collect(),
        ..Options::default()
    };
    type Blocks = (Vec<Finding>, Vec<Finding>, Vec<Finding>, bool);
    let (results, full_start, peers, decoys_intact): Blocks = in_sandbox(options, |sb| {
        crate::process::watchdog::start(std::time::Duration::from_secs(30));
        let (mut all, mut full_start, mut intact) = (Vec::new(), Vec::new(), true);
        let mut peers = Vec::new();
        for r in &runtimes {
            let (findings, ok) = audit::peers::audit_peer(sb, r)?;
            peers.extend(findings);
            intact &= ok;
        }
        for s in &strategies {
            if chain {
                let (findings, ok) = audit::audit_strategy(sb, *s)?;
                all.extend(findings);
                intact &= ok;
            }
            if full {
                let (findings, ok) = audit::full_start::audit_strategy(sb, *s)?;
                full_start.extend(findings);
                intact &= ok;
            }
        }
        Ok((all, full_start, peers, intact))
    })?;
    let report = AuditReport {
        schema: audit::SCHEMA.into(),
        kernel: crate::host::describe(args.exe_size).kernel,
        decoy: format!(
            "a copy of stage 2 per strategy on the run's private tmpfs ({}), which exports file handles, so open_by_handle_at is meaningful",
            audit::DECOY_MOUNT
        ),
        decoys_intact,
        results,
        full_start,
        installed_intact: (!peers.is_empty()).then(|| {
            runtimes
                .iter()
                .filter_map(|r| r.file.as_ref())
                .all(|f| f.rehash_differs().is_none())
        }),
        peers,
    };
    if let Some(p) = &args.export_json {
        let mut bytes = serde_json::to_vec_pretty(&report).expect("serialize");
        bytes.push(b'\n');
        write_atomic(p, &bytes)?;
    }
    if let Some(p) = &args.export_markdown {
        write_atomic(p, report.markdown().as_bytes())?;
    }
    let mut text = String::new();
    if !report.results.is_empty() {
        text.push_str(&format!("{}\n", audit::matrix_table(&report)));
    }
    if !report.full_start.is_empty() {
        text.push_str(&format!(
            "full start, from inside a container of sealbench's libcontainer runtime:\n{}\n",
            audit::full_start_table(&report)
        ));
    }
    if !report.peers.is_empty() {
        text.push_str(&format!(
            "runtimes, each from a decoy copy of its binary, attacked through `exec` of a #!/proc/self/exe entry:\n{}\n",
            audit::peers_table(&report)
        ));
    }
    crate::output::emit::out(&text)?;
    let full_diffs =
        audit::full_start::differences(&report.full_start, &report.kernel).unwrap_or_default();
    match audit::differences(&report).map(|mut d| {
        d.extend(full_diffs.clone());
        d
    }) {
        None if !full_diffs.is_empty() => {
            for d in &full_diffs {
                eprintln!("differs: {d}");
            }
            Err(Error::failure(format!(
                "{} full-start outcome(s) differ from those recorded",
                full_diffs.len()
            )))
        }
        None => {
            eprintln!(
                "sealbench: no expected outcomes are recorded for kernel {}; nothing was checked",
                report.kernel
            );
            Ok(0)
        }
        Some(diffs) if diffs.is_empty() => {
            eprintln!("sealbench: every outcome is the one recorded for this kernel family");
            Ok(0)
        }
        Some(diffs) => {
            for d in &diffs {
                eprintln!("differs: {d}");
            }
            Err(Error::failure(format!(
                "{} outcome(s) differ from those recorded for this kernel family",
                diffs.len()
            )))
        }
    }
}
