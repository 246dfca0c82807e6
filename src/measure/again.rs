//! A run made again from a results file: its strategies and workloads, its exe size and
//! its plan, seeded afresh (a gate's current passes against a stored baseline).

use super::{PlanSpec, Run};
use crate::error::{Error, Result};
use crate::results::{Results, Status};

impl Run {
    /// The run that made `results`, to be made again with `passes` passes. Its rows are
    /// found in this sealbench's registries by the names the file gives them; a row it
    /// does not know is left out.
    pub fn again(results: &Results, passes: u32) -> Result<Run> {
        let ok = |e: &&crate::results::Entry| e.status == Status::Ok;
        let names: indexmap::IndexSet<&str> = results
            .results
            .iter()
            .filter(ok)
            .map(|e| e.strategy.as_str())
            .collect();
        let strategies: Vec<_> = names
            .iter()
            .filter_map(|n| strategies::by_name(n))
            .collect();
        if strategies.is_empty() {
            return Err(Error::usage(
                "the baseline has no strategy this sealbench knows",
            ));
        }
        let workloads: indexmap::IndexSet<&str> = results
            .results
            .iter()
            .filter(ok)
            .map(|e| e.workload.as_str())
            .collect();
        let workloads =
            crate::selection::workloads(&workloads.into_iter().collect::<Vec<_>>().join(","))?;
        let plan = match &results.plan {
            Some(p) => super::rerun_of(p, passes),
            None => PlanSpec::fixed(100, 5, passes, None).build()?,
        };
        let mut run = Run::new(strategies, workloads, Vec::new(), plan);
        run.exe_size = results.host.exe_size_bytes;
        run.side_effects = false;
        Ok(run)
    }
}
