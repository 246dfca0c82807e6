//! The source tree's layering, checked on the source itself: no top-level module of
//! `src/` imports one that imports it back (directly or through others), and nothing but
//! the CLI's face (`main.rs`, `lib.rs`, `cli.rs`) imports `command`. A loop makes every
//! module in it change together; this test names the loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`""` for the crate root files).
fn top_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    if ["lib", "main"].contains(&name.as_str()) {
        String::new()
    } else {
        name
    }
}

/// The text of a file without its `#[cfg(test)] mod tests { … }` tail: tests may reach
/// anywhere.
fn non_test(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |i| &text[..i])
}

/// Every top-level module a file names through `crate::` paths, including inside `use`
/// groups (`use crate::{a, b::c}`).
fn named(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let group = rest.starts_with('{');
        let body = if group {
            &rest[1..rest.find('}').unwrap_or(rest.len())]
        } else {
            rest
        };
        let heads: Vec<&str> = if group {
            body.split(',').map(str::trim).collect()
        } else {
            vec![body]
        };
        for h in heads {
            let name: String = h
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) {
                out.insert(name);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeMap<String, Vec<PathBuf>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top_of(&src, f))
        .filter(|m| !m.is_empty())
        .collect();
    let mut edges: BTreeMap<String, BTreeMap<String, Vec<PathBuf>>> = BTreeMap::new();
    for f in &files {
        let from = top_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        for to in named(non_test(&text), &modules) {
            if to != from {
                let by = f.strip_prefix(&src).unwrap().to_path_buf();
                edges
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .push(by);
            }
        }
    }
    edges
}

/// A path from `from` to `to` through the graph, if there is one.
fn path(
    edges: &BTreeMap<String, BTreeMap<String, Vec<PathBuf>>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.to_string()]];
    while let Some(p) = stack.pop() {
        let last = p.last().unwrap().clone();
        if last == to && p.len() > 1 {
            return Some(p);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(&last).into_iter().flat_map(|m| m.keys()) {
            let mut q = p.clone();
            q.push(next.clone());
            stack.push(q);
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph();
    let mut loops = Vec::new();
    for (from, tos) in &edges {
        for to in tos.keys() {
            if let Some(back) = path(&edges, to, from) {
                loops.push(format!(
                    "{from} -> {} (in {:?})",
                    back.join(" -> "),
                    tos[to]
                ));
            }
        }
    }
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}

#[test]
fn only_the_cli_imports_command() {
    let edges = graph();
    let importers: Vec<String> = edges
        .iter()
        .filter(|(from, tos)| tos.contains_key("command") && !["", "cli"].contains(&from.as_str()))
        .map(|(from, tos)| format!("{from} (in {:?})", tos["command"]))
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}

/// The checker sees loops at all: a small graph with one is caught.
#[test]
fn the_checker_finds_a_loop() {
    let mut edges: BTreeMap<String, BTreeMap<String, Vec<PathBuf>>> = BTreeMap::new();
    edges
        .entry("a".into())
        .or_default()
        .insert("b".into(), vec![]);
    edges
        .entry("b".into())
        .or_default()
        .insert("c".into(), vec![]);
    assert!(path(&edges, "c", "a").is_none());
    edges
        .entry("c".into())
        .or_default()
        .insert("a".into(), vec![]);
    assert_eq!(path(&edges, "b", "a").unwrap(), ["b", "c", "a"]);
    let modules: BTreeSet<String> = ["plot", "export"].iter().map(|s| s.to_string()).collect();
    assert_eq!(
        named(
            "use crate::{plot::x, export};\nlet _ = crate::stats::median;",
            &modules
        ),
        modules
    );
}

/// The files of `src/` that are test code: `#[cfg(test)] mod x;` declares `x.rs` (or
/// `x/mod.rs`, or `<parent>/x.rs` for a non-mod file) as test-only.
fn test_only_files(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let dir = if f
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
        {
            f.parent().unwrap().to_path_buf()
        } else {
            f.with_extension("")
        };
        for (i, _) in text.match_indices("#[cfg(test)]\n") {
            let next = text[i + "#[cfg(test)]\n".len()..]
                .lines()
                .next()
                .unwrap_or("");
            let name = next
                .trim()
                .trim_start_matches("pub ")
                .strip_prefix("mod ")
                .and_then(|r| r.strip_suffix(';'));
            if let Some(name) = name {
                out.insert(dir.join(format!("{name}.rs")));
                out.insert(dir.join(name).join("mod.rs"));
            }
        }
    }
    out
}

/// Adding a strategy is one file of `strategies/` plus its registry line: the driver in
/// `src/` never names one (outside its tests), so it cannot hold knowledge about one.
#[test]
fn src_names_no_strategy() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let tests = test_only_files(&files);
    let mut named = Vec::new();
    // The vocabulary of seal paths and runc build variants shares words with the
    // strategies (each is named after the mechanism it uses): it names mechanisms a
    // start was seen to use, not strategies to look up.
    let vocabulary = src.join("results/seal.rs");
    for f in files.iter().filter(|f| !tests.contains(*f) && **f != vocabulary) {
        let text = std::fs::read_to_string(f).unwrap();
        for s in strategies::registry() {
            if non_test(&text).contains(&format!("\"{}\"", s.name())) {
                named.push(format!("{} names {}", f.display(), s.name()));
            }
        }
    }
    assert!(named.is_empty(), "{named:#?}");
    assert!(tests.iter().any(|t| t.ends_with("results/sample.rs")));
}
