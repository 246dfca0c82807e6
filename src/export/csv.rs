use super::Exporter;
use crate::results::Analyzed;

/// One summary line per (workload, strategy), as hyperfine's CSV export has per command.
pub struct CsvExporter;

pub const HEADER: &str = "workload,strategy,status,runs,median,ci95_lo,ci95_hi,mean,stddev,min,max,user,system,ratio,ratio_ci95_lo,ratio_ci95_hi,verdict,rounds,outliers_mild,outliers_severe,minor_faults,major_faults,voluntary_switches,involuntary_switches,reason";

fn num(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// RFC 4180 quoting, for reasons that contain commas.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Exporter for CsvExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let mut out = String::from(HEADER);
        out.push('\n');
        for e in &results.results {
            let status = e.status.word().to_string();
            let ratio = e.analysis.ratio.as_ref();
            let cols = [
                field(&e.workload),
                field(&e.strategy),
                status,
                e.runs.to_string(),
                num(e.analysis.median),
                num(e.analysis.ci95_median.map(|c| c[0])),
                num(e.analysis.ci95_median.map(|c| c[1])),
                num(e.analysis.mean),
                num(e.analysis.stddev),
                num(e.analysis.min),
                num(e.analysis.max),
                num(e.analysis.user),
                num(e.analysis.system),
                num(ratio.map(|r| r.value)),
                num(ratio.map(|r| r.ci95[0])),
                num(ratio.map(|r| r.ci95[1])),
                ratio
                    .and_then(|r| r.verdict)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                e.analysis
                    .shared_rounds
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                e.analysis
                    .tukey_outliers
                    .map(|o| o.mild().to_string())
                    .unwrap_or_default(),
                e.analysis
                    .tukey_outliers
                    .map(|o| o.severe().to_string())
                    .unwrap_or_default(),
                num(e.analysis.counters.map(|c| c.minor_faults)),
                num(e.analysis.counters.map(|c| c.major_faults)),
                num(e.analysis.counters.map(|c| c.voluntary_switches)),
                num(e.analysis.counters.map(|c| c.involuntary_switches)),
                field(e.reason.as_deref().unwrap_or("")),
            ];
            out.push_str(&cols.join(","));
            out.push('\n');
        }
        out.into_bytes()
    }
}
