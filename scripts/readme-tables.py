"""Fill the tables of README.md and of the manual (docs/src/**/*.md) from results/, so that
they always show the numbers of the last real run. Three kinds of block:

    <!-- begin results/X.md -->           ... <!-- end results/X.md -->
        the whole file, as `--export-markdown` wrote it (table and legend);
    <!-- begin results/X.md table -->     ... <!-- end results/X.md -->
        its table rows only, then one line saying where they come from, read from
        results/X.json (kernel, CPUs, binary size, seed, command): the legend that every
        Markdown export repeats is explained once, in docs/src/methodology.md;
    <!-- begin results/X.json ratios -->  ... <!-- end results/X.json -->
        a hand-written table whose first column names a strategy in backticks and whose
        last column is rewritten with that strategy's exec-true ratio to the reference;
    <!-- begin results/X.json seals -->    ... <!-- end results/X.json -->
        every row of results/X.json with what it is (a build's version and patch, a peer's
        version), its observed seal and data, its median and its ratio to the reference,
        each with its 95% CI, then the line saying where they come from;
    <!-- begin results/X.json pairs -->    ... <!-- end results/X.json -->
        a hand-written table whose first column reads `A` / `B` and whose column headed
        "... (95% CI)" is rewritten with A's ratio to B and its CI, from results/X.json or
        the first results/X-*.json (a `sealbench report --reference B` of it) whose
        reference is B.
"""
import json
import pathlib
import re
import shlex
import sys

root = pathlib.Path(__file__).resolve().parent.parent
pages = [root / "README.md"] + sorted((root / "docs" / "src").rglob("*.md"))


def size(n):
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def command(line):
    """The command that made a run, without the options that only say where it was written,
    and a runtime's path (NAME=PATH) cut to its file name: the row records the whole path."""
    words, out, skip = shlex.split(line), [], False
    for i, w in enumerate(words):
        if skip:
            skip = False
        elif (i > 0 and words[i - 1] == "--runtime") or w.startswith("--runtime="):
            m = re.fullmatch(r"(--runtime=)?([^=]+)=(.*/)([^/]+)", w)
            out.append(f"{m.group(1) or ''}{m.group(2)}=…/{m.group(4)}" if m else w)
        elif w.startswith(("--export-", "--plot", "--html")):
            skip = "=" not in w
        elif w in ("-q", "--quiet"):
            pass
        else:
            out.append(w)
    return shlex.join(out)


def provenance(json_name):
    path = root / json_name
    if not path.exists():
        return ""
    run = json.loads(path.read_text())
    host, plan = run.get("host", {}), run.get("plan", {})
    parts = [
        f"kernel {host.get('kernel', '?')}",
        f"{host.get('cpus', '?')} CPUs ({host.get('cpu_model', '?')})",
        # The padded stage 2 that strategies seal: nothing to a run of runtimes alone.
        f"runtime binary {size(host['exe_size_bytes'])}"
        if "exe_size_bytes" in host and any(r.get("kind") != "runtime" for r in run.get("results", []))
        else None,
        f"seed {plan['seed']}" if "seed" in plan and "--seed" not in run.get("command", "") else None,
        f"{plan['passes']} passes" if plan.get("passes", 1) > 1 else None,
    ]
    text = f"`{json_name}`: " + ", ".join(p for p in parts if p)
    if run.get("command"):
        text += f"; made by `{command(run['command'])}`"
    return text + "."


def table_only(name):
    body = (root / name).read_text()
    rows = []
    for line in body.splitlines():
        if not line.startswith("|"):
            break
        rows.append(line)
    made = provenance(re.sub(r"\.md$", ".json", name))
    return "\n".join(rows) + ("\n\n" + made if made else "")


def ratios(json_name, block):
    run = json.loads((root / json_name).read_text())
    ratio = {
        r["strategy"]: r["ratio"]["value"]
        for r in run["results"]
        if r.get("status") == "ok" and r.get("ratio") and r.get("workload") == "exec-true"
    }
    out = []
    for line in block.splitlines():
        cells = line.split("|")
        name = re.fullmatch(r"\s*`([^`]+)`\s*", cells[1]) if len(cells) > 2 else None
        if name and name.group(1) in ratio:
            cells[-2] = f" {ratio[name.group(1)]:.2f}× "
            line = "|".join(cells)
        out.append(line)
    return "\n".join(out)


def build(row):
    """What a row is: `v1.5.1 + memfd.patch` for a build of scripts/build-runc.sh, the
    version line of any other runtime, `strategy` for sealbench's own."""
    prov = row.get("provenance")
    if prov:
        m = re.match(r"runc (\S+)(?: \(([^,)]+))?.*?, variant (\w+)(?:, patch (\S+))?", prov)
        if m:
            version, tag, variant, patch = m.groups()
            base = tag if tag and tag.startswith("v") else version
            return f"{base} + `{pathlib.Path(patch).name}`" if patch else f"{base} as released"
        return prov
    if row.get("kind") == "runtime":
        return row.get("version") or "?"
    return "sealbench strategy"


def seals(json_name):
    run = json.loads((root / json_name).read_text())
    refs = {r["ratio"]["reference"] for r in run["results"] if r.get("ratio")}
    ref = next(iter(refs)) if len(refs) == 1 else "the reference"
    multi = len({r.get("workload") for r in run["results"]}) > 1
    out = [
        ("| workload " if multi else "")
        + f"| row | what it is | seal_observed | data | median [ms] (95% CI) | ratio to `{ref}` (95% CI) | |",
        ("|:---" if multi else "") + "|:---|:---|:---|:---|---:|---:|:---|",
    ]
    marks = {"unclear": "~"}
    for r in run["results"]:
        head = f"| {r.get('workload')} " if multi else ""
        if r.get("status") != "ok":
            out.append(head + f"| {r['strategy']} | {build(r)} | {r.get('status')}: {r.get('reason') or '?'} | | | | |")
            continue
        lo, hi = r["ci95_median"]
        q = r.get("ratio") or {}
        ratio = ""
        if q:
            ratio = f"{q['value']:.3f} ({q['ci95'][0]:.3f} – {q['ci95'][1]:.3f})"
            if q.get("reference") == r["strategy"]:
                ratio = "1.000"
        out.append(
            head
            + f"| {r['strategy']} | {build(r)} | {r.get('seal_observed') or '?'} | {r.get('data') or '?'} "
            + f"| {r['median'] * 1e3:.2f} ({lo * 1e3:.2f} – {hi * 1e3:.2f}) | {ratio} "
            + f"| {marks.get(q.get('verdict'), q.get('verdict') or '')} |"
        )
    made = provenance(json_name)
    return "\n".join(out) + ("\n\n" + made if made else "")


def pairs(json_name, block):
    path = root / json_name
    runs = [path] + sorted(path.parent.glob(path.stem + "-*.json"))
    lines = block.splitlines()
    header = lines[0].split("|") if lines else []
    col = next((i for i, c in enumerate(header) if "(95% CI)" in c), None)
    if col is None:
        sys.exit(f"readme-tables: {json_name} pairs: no column headed '(95% CI)'")
    loaded = {}

    def ratio(a, b):
        for p in runs:
            run = loaded.setdefault(p, json.loads(p.read_text()))
            rows = {r["strategy"]: r for r in run["results"] if r.get("status") == "ok"}
            q = (rows.get(a) or {}).get("ratio") or {}
            if b in rows and q.get("reference") == b:
                return q
        sys.exit(f"readme-tables: no results file {json_name} or {path.stem}-*.json has {a} against {b}")

    out = []
    for line in lines:
        cells = line.split("|")
        pair = re.fullmatch(r"\s*`([^`]+)`\s*/\s*`([^`]+)`\s*", cells[1]) if len(cells) > col else None
        if pair:
            q = ratio(*pair.groups())
            cells[col] = f" {q['value']:.2f}× ({q['ci95'][0]:.2f} – {q['ci95'][1]:.2f}) "
            line = "|".join(cells)
        out.append(line)
    return "\n".join(out)


def fill(match):
    name, kind, body = match.group(1), match.group(2), match.group(3) or ""
    if kind == "table":
        new = table_only(name)
    elif kind == "ratios":
        new = ratios(name, body.rstrip("\n"))
    elif kind == "seals":
        new = seals(name)
    elif kind == "pairs":
        new = pairs(name, body.rstrip("\n"))
    else:
        new = (root / name).read_text().rstrip("\n")
    head = f"<!-- begin {name}{' ' + kind if kind else ''} -->"
    return f"{head}\n{new}\n<!-- end {name} -->"


# The body may be empty (a file that was empty once): it must still be found and filled.
# Lazy (??), so that an empty body ends at its own end line, not at that of a later block
# of the same file on the page.
block = re.compile(r"<!-- begin (\S+)(?: (table|ratios|seals|pairs))? -->\n(.*?\n)??<!-- end \1 -->", re.S)
for page in pages:
    text = page.read_text()
    new = block.sub(fill, text)
    if new != text:
        page.write_text(new)
sys.exit(0)
