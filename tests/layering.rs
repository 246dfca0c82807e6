//! The source tree's layering, checked on the source as the compiler reads it (parsed by
//! `syn`): every import of a top-level module of `src/` goes down the declared order of
//! layers, never up; no module imports one that imports it back; only the CLI's face
//! imports `command`; and `src/` names no strategy outside its tests. Test code (items
//! under `#[cfg(test)]`, and files declared by `#[cfg(test)] mod x;`) may reach anywhere.

use proc_macro2::{TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// The layers of `src/`, lowest first: a module may import modules of its own layer or of
/// lower ones. Within a layer, loops are refused by their own test.
const LAYERS: &[&[&str]] = &[
    // Foundations: no knowledge of runs.
    &["named", "size", "interrupt", "printable", "error", "stats"],
    // What a run is, as data.
    &["results", "host"],
    // The operating system, and judgements over results.
    &["process", "safe_fs", "observe", "gate"],
    // Measuring: bundles, sandboxes, workloads, units, peers, side effects.
    &[
        "bundle",
        "sandbox",
        "workload",
        "benchmark",
        "peer",
        "side_effects",
        "selection",
    ],
    // Runs: compare's passes, sweeps, audits.
    &["measure", "sweep", "audit"],
    // Presentation: terminal, charts, files.
    &["output", "plot", "export"],
    // The command line.
    &["cli", "command"],
    // The crate root (lib.rs, main.rs).
    &[""],
];

/// The one file whose words may be strategies' names: the vocabulary of seal paths and
/// runc build variants (each strategy is named after the mechanism it uses).
const VOCABULARY: &str = "results/seal.rs";

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// A `#[cfg(...)]` that holds only under test: `cfg(test)`, or `cfg(all(.., test, ..))`.
fn is_test_cfg(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        if !a.path().is_ident("cfg") {
            return false;
        }
        let Ok(list) = a.meta.require_list() else {
            return false;
        };
        let text = list.tokens.to_string();
        text == "test"
            || (text.starts_with("all")
                && text
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "test")
                && !text.contains("not"))
    })
}

/// What one file says: the top-level modules its production code names (with where), its
/// production string literals, and the child modules it declares test-only.
#[derive(Default, Debug)]
struct Scan {
    imports: BTreeSet<String>,
    strings: Vec<String>,
    test_children: BTreeSet<String>,
}

/// Reads a file as the compiler does. `module` is the file's module path from the crate
/// root (`["export", "csv"]`), so that `super::` paths resolve.
struct Reader<'a> {
    module: &'a [String],
    scan: Scan,
}

impl Reader<'_> {
    /// The top-level module a path's segments name, resolving `crate` and `super`.
    fn top(&self, segments: &[String]) -> Option<String> {
        match segments.first().map(String::as_str) {
            Some("crate") => segments.get(1).cloned(),
            Some("super") => {
                let mut here: Vec<String> = self.module.to_vec();
                let mut rest = segments;
                while rest.first().map(String::as_str) == Some("super") {
                    here.pop()?;
                    rest = &rest[1..];
                }
                here.first().cloned().or_else(|| rest.first().cloned())
            }
            _ => None,
        }
    }

    fn name(&mut self, segments: &[String]) {
        if let Some(t) = self.top(segments) {
            self.scan.imports.insert(t);
        }
    }

    /// Every path in a use tree, groups within groups included.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.name(prefix);
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.name(prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => self.name(prefix),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }

    /// Inside a macro's tokens (`format!`, `vec!`): string literals, and `crate::x` or
    /// `super::x` paths.
    fn tokens(&mut self, ts: TokenStream) {
        let tokens: Vec<TokenTree> = ts.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            match t {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Literal(l) => {
                    if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                        self.scan.strings.push(s.value());
                    }
                }
                TokenTree::Ident(id) if id == "crate" || id == "super" => {
                    // ident :: ident (:: ident)*
                    let mut segs = vec![id.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(n)),
                    ) = (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segs.push(n.to_string());
                        j += 3;
                    }
                    if segs.len() > 1 {
                        self.name(&segs);
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {
        // Doc comments and other attributes are not code.
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Macro(m) => &m.attrs,
            _ => &[],
        };
        if is_test_cfg(attrs) {
            if let syn::Item::Mod(m) = item {
                if m.content.is_none() {
                    self.scan.test_children.insert(m.ident.to_string());
                }
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.name(&segs);
        syn::visit::visit_path(self, p);
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        self.scan.strings.push(s.value());
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }
}

/// Read one file's text as module `module`.
fn scan(text: &str, module: &[String]) -> Scan {
    let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{module:?}: {e}"));
    let mut r = Reader {
        module,
        scan: Scan::default(),
    };
    r.visit_file(&file);
    r.scan
}

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

/// A file's module path from the crate root: `src/export/csv.rs` is `export::csv`,
/// `src/export/mod.rs` is `export`, `src/lib.rs` is the root.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .collect();
    if parts
        .last()
        .is_some_and(|l| ["mod", "lib", "main"].contains(&l.as_str()))
    {
        parts.pop();
    }
    parts
}

/// Every production file of `src/` (the stage-2 program is a binary of its own) and what
/// it says, test-only files left out.
fn sources() -> BTreeMap<PathBuf, (Vec<String>, Scan)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_path_buf();
        if rel.starts_with("stage2") {
            continue;
        }
        let module = module_of(&rel);
        let s = scan(&std::fs::read_to_string(&f).unwrap(), &module);
        out.insert(rel, (module, s));
    }
    let test_only: BTreeSet<Vec<String>> = out
        .values()
        .flat_map(|(m, s)| {
            s.test_children.iter().map(move |c| {
                let mut p = m.clone();
                p.push(c.clone());
                p
            })
        })
        .collect();
    out.retain(|_, (m, _)| !test_only.iter().any(|t| m.starts_with(t)));
    out
}

type Edges = BTreeMap<String, BTreeMap<String, Vec<PathBuf>>>;

/// Imports between top-level modules, with the files that make each.
fn graph(sources: &BTreeMap<PathBuf, (Vec<String>, Scan)>) -> Edges {
    let modules: BTreeSet<String> = sources
        .values()
        .filter_map(|(m, _)| m.first().cloned())
        .collect();
    let mut edges = Edges::new();
    for (file, (module, s)) in sources {
        let from = module.first().cloned().unwrap_or_default();
        for to in s
            .imports
            .iter()
            .filter(|t| modules.contains(*t) && **t != from)
        {
            edges
                .entry(from.clone())
                .or_default()
                .entry(to.clone())
                .or_default()
                .push(file.clone());
        }
    }
    edges
}

/// Imports that go up the declared layers, and modules no layer names.
fn upward(edges: &Edges) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in edges {
        for (to, files) in tos {
            match (layer_of(from), layer_of(to)) {
                (Some(f), Some(t)) if t > f => out.push(format!(
                    "{from} (layer {f}) imports {to} (layer {t}) in {files:?}"
                )),
                (None, _) => out.push(format!("{from:?} is in no declared layer")),
                (_, None) => out.push(format!("{to:?} is in no declared layer")),
                _ => {}
            }
        }
    }
    out
}

/// A path from `from` to `to` through the graph, if there is one.
fn path(edges: &Edges, from: &str, to: &str) -> Option<Vec<String>> {
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

/// The strategies a string names, when it is made of nothing but their names (one, or a
/// list: `memfd,overlayfs`): what a lookup or a special case would use. Prose that uses a
/// mechanism's word ("a sealed memfd copy") names the kernel's object, not a strategy.
fn strategy_words(s: &str) -> Vec<&'static str> {
    let names: Vec<&'static str> = strategies::registry()
        .into_iter()
        .map(|s| s.name())
        .collect();
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '|')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || !words.iter().all(|w| names.contains(w)) {
        return Vec::new();
    }
    names.into_iter().filter(|n| words.contains(n)).collect()
}

#[test]
fn every_import_goes_down_the_declared_layers() {
    let up = upward(&graph(&sources()));
    assert!(
        up.is_empty(),
        "imports against the layer order:\n{}",
        up.join("\n")
    );
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph(&sources());
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
    let edges = graph(&sources());
    let importers: Vec<String> = edges
        .iter()
        .filter(|(from, tos)| tos.contains_key("command") && !["", "cli"].contains(&from.as_str()))
        .map(|(from, tos)| format!("{from} (in {:?})", tos["command"]))
        .collect();
    assert!(importers.is_empty(), "{importers:?}");
}

/// Adding a strategy is one file of `strategies/` plus its registry line: the driver in
/// `src/` never names one (outside its tests), so it cannot hold knowledge about one.
#[test]
fn src_names_no_strategy() {
    let mut named = Vec::new();
    for (file, (_, s)) in sources() {
        if file == Path::new(VOCABULARY) {
            continue;
        }
        for text in &s.strings {
            for n in strategy_words(text) {
                named.push(format!("{} names {n} in {text:?}", file.display()));
            }
        }
    }
    assert!(named.is_empty(), "{named:#?}");
}

// The checker's holes, each a case it must catch (or must not be fooled by).

fn m(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn code_after_a_test_module_is_read() {
    let s = scan(
        "#[cfg(test)]\nmod tests { use crate::plot::x; }\nuse crate::command::run;\nfn f() {}",
        &m("output"),
    );
    assert!(s.imports.contains("command"), "{s:?}");
    assert!(
        !s.imports.contains("plot"),
        "test code may import anything: {s:?}"
    );
}

#[test]
fn nested_use_groups_are_read_whole() {
    let s = scan(
        "use crate::{a::{b, c::{d, e}}, f as g, h::*};\nuse super::super::i::j;",
        &m("export::csv::inner"),
    );
    for t in ["a", "f", "h", "export"] {
        assert!(s.imports.contains(t), "{t} missing: {s:?}");
    }
    // From export::csv::inner, super::super is export: the same top-level module.
    let s = scan("use super::super::k;", &m("x::y"));
    assert!(s.imports.contains("k"), "{s:?}");
}

#[test]
fn test_only_files_are_named_and_left_out() {
    let s = scan(
        "#[cfg(test)]\nmod sample;\nmod real;\n#[cfg(test)]\npub mod other;",
        &m("results"),
    );
    assert_eq!(
        s.test_children,
        ["other", "sample"].iter().map(|s| s.to_string()).collect()
    );
    // The tree's own: results/sample.rs is a fixture, compiled only for tests.
    assert!(!sources().contains_key(Path::new("results/sample.rs")));
}

#[test]
fn an_import_up_the_layers_is_refused_without_a_loop() {
    let mut edges = Edges::new();
    edges.entry("benchmark".into()).or_default().insert(
        "output".into(),
        vec![PathBuf::from("benchmark/scheduler.rs")],
    );
    let up = upward(&edges);
    assert_eq!(up.len(), 1, "{up:?}");
    assert!(up[0].contains("benchmark (layer 3) imports output (layer 5)"));
    assert!(
        path(&edges, "output", "benchmark").is_none(),
        "no loop here"
    );
}

#[test]
fn strategy_names_are_found_inside_lists_and_macros() {
    let s = scan(
        "fn f() { let a = \"memfd,overlayfs\"; let b = format!(\"{} x\", \"tmpfile\"); let c = vec![crate::plot::y]; }",
        &m("measure"),
    );
    let mut found: Vec<&str> = s.strings.iter().flat_map(|t| strategy_words(t)).collect();
    found.sort();
    assert_eq!(found, ["memfd", "overlayfs", "tmpfile"], "{s:?}");
    assert!(
        s.imports.contains("plot"),
        "a path inside a macro is an import: {s:?}"
    );
    // Prose, and words that only contain a name, are not a strategy's name.
    assert!(strategy_words("memfd_create(2) and sealbench-memfd").is_empty());
    assert!(strategy_words("a sealed memfd copy per start").is_empty());
    assert_eq!(
        strategy_words(" noclone | bind-ro "),
        ["noclone", "bind-ro"]
    );
}
