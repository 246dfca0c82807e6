//! The manual builds with mdBook, every page of `docs/src/` is in its table of contents, and
//! every relative link and `#anchor` in README.md and `docs/src/` resolves: to a file that
//! exists, and to a heading that exists in it, by the slug GitHub and mdBook give a
//! heading. mdBook itself is not optional here: `scripts/setup.sh` installs it, and a
//! machine without it fails this test rather than skipping it.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The anchor GitHub and mdBook give a heading: lowercase, whitespace to `-`, letters,
/// digits, `-` and `_` kept, every other character dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c)
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// What a Markdown file offers and asks for: its headings' anchors (a repeated heading
/// gets `-1`, `-2`, … as on GitHub and in mdBook) and its links and images, in order.
struct Page {
    anchors: BTreeSet<String>,
    links: Vec<String>,
}

fn parse(text: &str) -> Page {
    let mut anchors = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut links = Vec::new();
    let mut heading: Option<String> = None;
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_FOOTNOTES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let n = seen.entry(base.clone()).or_insert(0);
                anchors.insert(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => links.push(dest_url.to_string()),
            _ => {}
        }
    }
    Page { anchors, links }
}

/// `a/./b/../c` as `a/c`, without touching the filesystem (a link may name a file that
/// does not exist, and that is what is being checked).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Every relative link of `files` that does not resolve, as `file: link: why`.
fn broken_links(files: &[PathBuf]) -> Vec<String> {
    let mut pages: BTreeMap<PathBuf, Page> = BTreeMap::new();
    let load = |path: &Path, pages: &mut BTreeMap<PathBuf, Page>| -> bool {
        if pages.contains_key(path) {
            return true;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => {
                pages.insert(path.to_path_buf(), parse(&text));
                true
            }
            Err(_) => false,
        }
    };
    let mut broken = Vec::new();
    for file in files {
        let file = normalize(file);
        assert!(load(&file, &mut pages), "cannot read {}", file.display());
        let links = pages[&file].links.clone();
        for link in links {
            let external = link.contains("://") || link.starts_with("mailto:");
            if external {
                continue;
            }
            let (path, anchor) = match link.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (link.as_str(), None),
            };
            let target = if path.is_empty() {
                file.clone()
            } else if path.starts_with('/') {
                broken.push(format!(
                    "{}: {link}: an absolute path, which resolves nowhere on a forge",
                    file.display()
                ));
                continue;
            } else {
                normalize(&file.parent().unwrap().join(path))
            };
            if !target.exists() {
                broken.push(format!(
                    "{}: {link}: no such file {}",
                    file.display(),
                    target.display()
                ));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if target.extension().is_none_or(|e| e != "md") {
                broken.push(format!(
                    "{}: {link}: an anchor into a file that is not Markdown",
                    file.display()
                ));
                continue;
            }
            load(&target, &mut pages);
            if !pages[&target].anchors.contains(anchor) {
                broken.push(format!(
                    "{}: {link}: no heading with anchor #{anchor} in {}",
                    file.display(),
                    target.display()
                ));
            }
        }
    }
    broken
}

fn markdown_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

fn documentation() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    markdown_under(&root().join("docs/src"), &mut files);
    files.sort();
    files
}

#[test]
fn every_link_and_anchor_resolves() {
    let files = documentation();
    assert!(
        files.len() > 10,
        "the manual's pages are missing: {files:?}"
    );
    let broken = broken_links(&files);
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn every_page_is_in_the_table_of_contents() {
    let src = root().join("docs/src");
    let summary = parse(&std::fs::read_to_string(src.join("SUMMARY.md")).unwrap());
    let listed: BTreeSet<PathBuf> = summary
        .links
        .iter()
        .map(|l| normalize(&src.join(l)))
        .collect();
    let mut pages = Vec::new();
    markdown_under(&src, &mut pages);
    let missing: Vec<_> = pages
        .into_iter()
        .filter(|p| !p.ends_with("SUMMARY.md") && !listed.contains(&normalize(p)))
        .collect();
    assert!(
        missing.is_empty(),
        "pages mdBook would not build, missing from SUMMARY.md: {missing:?}"
    );
}

#[test]
fn the_manual_builds_with_mdbook() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("docs-book");
    let _ = std::fs::remove_dir_all(&out);
    let built = Command::new("mdbook")
        .arg("build")
        .arg(root().join("docs"))
        .arg("--dest-dir")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run mdbook ({e}): scripts/setup.sh installs it (cargo install mdbook)")
        });
    assert!(
        built.status.success(),
        "mdbook build docs failed ({}):\n{}\n{}",
        built.status,
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let summary = parse(&std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap());
    for chapter in &summary.links {
        let html = out.join(Path::new(chapter).with_extension("html"));
        assert!(html.is_file(), "mdbook wrote no {}", html.display());
    }
}

/// The checker finds what is broken, so that an empty list above means something.
#[test]
fn the_link_checker_reports_broken_links_and_anchors() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("docs-checker");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("a.md"),
        "# Kernels: 6.1, 6.12 and 6.18 under QEMU\n\n## The `full-start` block\n\n## Notes\n\n## Notes\n",
    )
    .unwrap();
    std::fs::write(dir.join("sub/image.png"), b"").unwrap();
    std::fs::write(
        dir.join("sub/b.md"),
        "# B\n\n\
         [fine](../a.md#kernels-61-612-and-618-under-qemu) \
         [fine](../a.md#the-full-start-block) [fine](../a.md#notes-1) \
         [fine](#b) ![fine](image.png) [external](https://example.com/nowhere.md#x)\n\n\
         [no file](../missing.md) [no anchor](../a.md#kernels) [no anchor here](#nothing) \
         ![no image](missing.png) [not markdown](image.png#x)\n\n\
         ```sh\n[in code](nowhere.md)\n```\n",
    )
    .unwrap();
    let broken = broken_links(&[dir.join("sub/b.md")]);
    let expected = [
        "../missing.md",
        "../a.md#kernels",
        "#nothing",
        "missing.png",
        "image.png#x",
    ];
    assert_eq!(broken.len(), expected.len(), "{broken:#?}");
    for (found, link) in broken.iter().zip(expected) {
        assert!(
            found.contains(&format!(": {link}: ")),
            "{found} should name {link}"
        );
    }
}

#[test]
fn slugs_are_those_of_github_and_mdbook() {
    assert_eq!(
        slug("Kernels: 6.1, 6.12 and 6.18 under QEMU"),
        "kernels-61-612-and-618-under-qemu"
    );
    assert_eq!(slug("1: something failed"), "1-something-failed");
    assert_eq!(
        slug("Memory charged to the container's cgroup"),
        "memory-charged-to-the-containers-cgroup"
    );
    assert_eq!(slug("The A/B gate"), "the-ab-gate");
    assert_eq!(
        slug("Set-up, tests and benches"),
        "set-up-tests-and-benches"
    );
}
