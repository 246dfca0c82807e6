use super::Exporter;
use crate::results::Analyzed;

/// One summary line per (workload, strategy), as hyperfine's CSV export has per command.
pub struct CsvExporter;

pub const HEADER: &str = "workload,strategy,status,runs,median,ci95_lo,ci95_hi,mean,stddev,min,max,user,system,ratio,ratio_ci95_lo,ratio_ci95_hi,verdict,rounds,outliers_mild,outliers_severe,minor_faults,major_faults,voluntary_switches,involuntary_switches,seal_observed,data,reason";

fn num(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// Text from a results file as a cell a spreadsheet shows rather than runs: one that
/// begins as a formula does (`=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'`
/// in front, as OWASP's CSV-injection advice has it. Numbers are written by `num`, not here.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

impl Exporter for CsvExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        // Quoted only where RFC 4180 needs it (a reason with a comma, a quote or a line
        // break), and lines end in \n as they always have.
        let mut out = ::csv::Writer::from_writer(Vec::new());
        out.write_record(HEADER.split(','))
            .expect("writing to memory cannot fail");
        for e in &results.results {
            let status = e.status.word().to_string();
            let ratio = e.analysis.ratio.as_ref();
            let cols = [
                text(&e.workload),
                text(&e.strategy),
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
                e.seal_observed.map(|s| s.to_string()).unwrap_or_default(),
                e.data.map(|d| d.to_string()).unwrap_or_default(),
                text(e.reason.as_deref().unwrap_or_default()),
            ];
            out.write_record(&cols)
                .expect("writing to memory cannot fail");
        }
        out.into_inner().expect("flushing to memory cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::sample::sample;

    /// The sample run with one row's reason replaced, analysed.
    fn with_reason(reason: &str) -> Analyzed {
        let mut r = sample();
        r.results[2].reason = Some(reason.into());
        crate::results::analyze(r, "noclone")
    }

    #[test]
    fn a_reason_with_commas_quotes_and_line_breaks_is_quoted_and_reads_back_whole() {
        let reason = "open(\"/x\"): ENOENT,\nthen\r\nagain";
        let r = with_reason(reason);
        let bytes = CsvExporter.serialize(&r);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.ends_with(",\"open(\"\"/x\"\"): ENOENT,\nthen\r\nagain\"\n"),
            "{text}"
        );
        let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
        let rows: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows
            .iter()
            .all(|row| row.len() == HEADER.split(',').count()));
        assert_eq!(&rows[2][HEADER.split(',').count() - 1], reason);
    }

    #[test]
    fn a_lone_carriage_return_is_quoted_too() {
        let r = with_reason("a\rb");
        let text = String::from_utf8(CsvExporter.serialize(&r)).unwrap();
        assert!(text.ends_with(",\"a\rb\"\n"), "{text:?}");
    }

    /// Issue 29, item 15: a cell that begins as a formula is shown, not run.
    #[test]
    fn formula_prefixes_are_neutralised_in_text_cells_only() {
        for s in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text(s), format!("'{s}"));
        }
        assert_eq!(text("noclone"), "noclone");
        assert_eq!(text("a=b"), "a=b");
        let r = with_reason("=HYPERLINK(\"http://x.example\")");
        let out = String::from_utf8(CsvExporter.serialize(&r)).unwrap();
        assert!(
            out.ends_with(",\"'=HYPERLINK(\"\"http://x.example\"\")\"\n"),
            "{out}"
        );
    }

    #[test]
    fn plain_values_are_written_bare() {
        let r = with_reason("unsupported here");
        let text = String::from_utf8(CsvExporter.serialize(&r)).unwrap();
        assert!(!text.contains('"'), "{text}");
        assert!(text.ends_with(",unsupported here\n"), "{text}");
    }
}
