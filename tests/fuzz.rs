//! Property tests of everything that reads user input: sizes, sweep values, results files.
//! Whatever the input, no panic, and a refusal is one line.

use proptest::prelude::*;
use sealbench::export::parse_results_text;
use sealbench::size::parse_size;
use sealbench::sweep::Param;
use std::path::Path;

fn valid_results() -> String {
    serde_json::json!({
        "schema": "sealbench/1",
        "host": {"kernel": "6.18.0", "cpus": 2, "exe_size_bytes": 12582912},
        "results": [{"strategy": "noclone", "workload": "exec-true", "status": "ok", "runs": 3,
                     "times": [0.001, 0.0011, 0.0012], "rounds": [0, 1, 2]}]
    })
    .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn sizes_never_panic_and_accepted_ones_are_positive(s in "\\PC{0,12}") {
        if let Ok(bytes) = parse_size(&s) {
            prop_assert!(bytes >= 1);
        }
    }

    #[test]
    fn sizes_of_the_usual_form_parse_exactly(n in 1u64..100_000, unit in prop::sample::select(vec!["", "K", "KiB", "M", "MiB", "G"])) {
        let shift = match unit { "" => 0, "K" | "KiB" => 10, "M" | "MiB" => 20, _ => 30 };
        prop_assert_eq!(parse_size(&format!("{n}{unit}")), Ok(n << shift));
    }

    #[test]
    fn sweep_values_never_panic(s in "[-0-9a-zA-Z,. ]{0,24}") {
        for p in [Param::ExeSize, Param::HostMounts, Param::Concurrency] {
            match p.values(&s) {
                Ok(v) => prop_assert!(!v.is_empty() && v.iter().all(|(_, n)| n.is_finite())),
                Err(e) => prop_assert_eq!(e.lines().count(), 1),
            }
        }
    }

    #[test]
    fn any_text_is_read_or_refused_in_one_line(s in "\\PC{0,200}") {
        if let Err(e) = parse_results_text(&s, Path::new("f.json")) {
            prop_assert_eq!(e.code(), 2);
            prop_assert_eq!(e.to_string().lines().count(), 1, "{}", e.to_string());
        }
    }

    #[test]
    fn a_truncated_results_file_is_refused_with_its_position(cut in 0usize..200) {
        let text = valid_results();
        let cut = cut.min(text.len() - 1);
        let e = parse_results_text(&text[..cut], Path::new("f.json")).unwrap_err();
        prop_assert_eq!(e.code(), 2);
        prop_assert!(cut == 0 || e.to_string().contains("line"), "{}", e.to_string());
    }

    #[test]
    fn a_results_file_with_a_field_of_the_wrong_type_is_refused(field in prop::sample::select(vec!["times", "runs", "status", "host", "results"])) {
        let mut v: serde_json::Value = serde_json::from_str(&valid_results()).unwrap();
        if field == "host" || field == "results" {
            v[field] = serde_json::json!("oops");
        } else {
            v["results"][0][field] = serde_json::json!({"nested": true});
        }
        let e = parse_results_text(&v.to_string(), Path::new("f.json")).unwrap_err();
        prop_assert_eq!(e.code(), 2);
    }
}

#[test]
fn the_valid_file_reads() {
    parse_results_text(&valid_results(), Path::new("f.json")).unwrap();
}
