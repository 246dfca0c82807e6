"""Fill the tables of README.md and of the manual (docs/src/**/*.md) from results/, so that
they always show the numbers of the last real run. The kinds of block:

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
        reference is B;
    <!-- begin results/X.json outcomes -->  ... <!-- end results/X.json -->
        a memory-limit sweep: per row and limit, the starts that succeeded out of all and
        the OOM kills, then the peaks of the container's and the caller's cgroups without a
        limit and where a copy was charged, then the line saying where they come from;
    <!-- begin results/X.json burst -->     ... <!-- end results/X.json -->
        a concurrency sweep's memory: per row and starter count, the peak of the cgroup that
        held the burst, then the growth per extra starter in MiB and in binaries;
    <!-- begin results/X.json copies -->    ... <!-- end results/X.json -->
        the copying strategies and overlayfs, one row each: the seal and data observed,
        and per workload the ratio to the reference with its 95% CI;
    <!-- begin results/X.json limits -->    ... <!-- end results/X.json -->
        a memory-limit sweep in brief: container-start's rows, the starts that succeeded
        per limit with OOM kills in brackets, and where the copy was charged.
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


def mib(n):
    return f"{n / (1 << 20):.1f}"


def sweep_rows(run):
    rows, values = [], []
    for r in run["results"]:
        key = (r["workload"], r["strategy"])
        if key not in rows:
            rows.append(key)
        if r["value"] not in values:
            values.append(r["value"])
    cells = {(r["workload"], r["strategy"], r["value"]): r for r in run["results"]}
    return rows, values, cells


def outcomes(json_name):
    run = json.loads((root / json_name).read_text())
    rows, values, cells = sweep_rows(run)
    roomiest = "none" if "none" in values else values[-1]
    head = ["workload", "row"] + [f"{v}: ok (OOM)" for v in values] + [
        f"container peak at {roomiest} [MiB]",
        f"caller peak at {roomiest} [MiB]",
        "binary [MiB]",
        "copy charged to",
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join([":---"] * 2 + ["---:"] * (len(head) - 3) + [":---"]) + "|"]
    for w, s in rows:
        line = [w, s]
        for v in values:
            r = cells.get((w, s, v))
            m = (r or {}).get("memory_limit")
            if m is None:
                line.append((r or {}).get("status", ""))
                continue
            total = m["succeeded"] + m["failed"]
            text = f"{m['succeeded']}/{total}"
            if m["oom_kills"]:
                text += f" ({m['oom_kills']})"
            line.append(text)
        m = (cells.get((w, s, roomiest)) or {}).get("memory_limit")
        if m:
            peak = lambda k: mib(m[k]) if m.get(k) is not None else "–"
            line += [peak("container_peak_bytes"), peak("caller_peak_bytes"), mib(m["binary_bytes"]), m["copy_charged_to"]]
        else:
            line += ["–", "–", "–", "–"]
        out.append("| " + " | ".join(line) + " |")
    memory = run.get("memory") or {}
    cg = memory.get("cgroups") or {}
    how = f"cgroup {cg.get('version', '?')} ({cg.get('limit_file', '?')})"
    if memory.get("copy_in"):
        how += f", strategies' copies made in the {memory['copy_in']}'s cgroup"
    made = provenance(json_name)
    return "\n".join(out) + f"\n\nLimits set with {how}. " + made


def burst(json_name):
    run = json.loads((root / json_name).read_text())
    rows, values, cells = sweep_rows(run)
    binary = run["host"]["exe_size_bytes"]
    head = ["workload", "strategy"] + [f"{v} at once [MiB]" for v in values] + ["per extra starter [MiB]", "in binaries"]
    if any((c or {}).get("burst_memory", {}).get("binary_bytes") for c in cells.values()):
        head[-1] = "in its binaries"
    
    out = ["| " + " | ".join(head) + " |", "|" + "|".join([":---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for w, s in rows:
        peaks = []
        own = 0
        for v in values:
            b = (cells.get((w, s, v)) or {}).get("burst_memory")
            peaks.append((float(v), b["peak_bytes"]) if b else None)
            own = own or (b or {}).get("binary_bytes", 0)
        line = [w, s] + [mib(p[1]) if p else "–" for p in peaks]
        if peaks and peaks[0] and peaks[-1] and peaks[-1][0] > peaks[0][0]:
            slope = (peaks[-1][1] - peaks[0][1]) / (peaks[-1][0] - peaks[0][0])
            # A peer's copy is of its own binary; older files recorded none per row.
            line += [mib(slope), f"{slope / (own or binary):.2f}"]
        else:
            line += ["–", "–"]
        out.append("| " + " | ".join(line) + " |")
    return "\n".join(out) + "\n\n" + provenance(json_name)


COPIES = ["memfd", "tmpfile", "memfd-pool", "reflink", "overlayfs"]


def copies(json_name):
    """The independent copies against memfd and overlayfs: per strategy and workload, the
    ratio to the reference with its 95% interval, and what the row was seen to seal with."""
    run = json.loads((root / json_name).read_text())
    workloads = list(dict.fromkeys(r["workload"] for r in run["results"]))
    by = {(r["workload"], r["strategy"]): r for r in run["results"]}
    ref = next((r["ratio"]["reference"] for r in run["results"] if r.get("ratio")), "?")
    head = ["strategy", "seal (data)"] + [f"{w}, × {ref}" for w in workloads]
    out = ["| " + " | ".join(head) + " |", "|:---|:---|" + "---:|" * len(workloads)]
    for s in COPIES:
        rows = [by.get((w, s)) for w in workloads]
        seen = next((r for r in rows if r and r.get("seal_observed")), None)
        seal = f"{seen['seal_observed']} ({seen.get('data', '?')})" if seen else "–"
        cells = []
        for r in rows:
            if not r:
                cells.append("–")
            elif r.get("status") != "ok" or not r.get("ratio"):
                cells.append(r.get("status", "?"))
            else:
                v, (lo, hi) = r["ratio"]["value"], r["ratio"]["ci95"]
                cells.append(f"{v:.2f} ({lo:.2f}–{hi:.2f})")
        out.append("| " + " | ".join([f"`{s}`", seal] + cells) + " |")
    return "\n".join(out) + "\n\n" + provenance(json_name)


def limits(json_name):
    """A memory-limit sweep in brief: per row of container-start, the starts that
    succeeded of those made at each limit, OOM kills in brackets, and who paid the copy."""
    run = json.loads((root / json_name).read_text())
    rows, values, cells = sweep_rows(run)
    head = ["row"] + [f"{v}: ok (OOM)" for v in values] + ["copy charged to"]
    out = ["| " + " | ".join(head) + " |", "|:---|" + "---:|" * len(values) + ":---|"]
    for w, s in rows:
        if w != "container-start":
            continue
        line, charged = [s], "–"
        for v in values:
            m = (cells.get((w, s, v)) or {}).get("memory_limit")
            if m is None:
                line.append((cells.get((w, s, v)) or {}).get("status", ""))
                continue
            text = f"{m['succeeded']}/{m['succeeded'] + m['failed']}"
            if m["oom_kills"]:
                text += f" ({m['oom_kills']})"
            line.append(text)
            charged = m.get("copy_charged_to") or charged
        out.append("| " + " | ".join(line + [charged]) + " |")
    return "\n".join(out) + "\n\n" + provenance(json_name)


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
    elif kind == "outcomes":
        new = outcomes(name)
    elif kind == "burst":
        new = burst(name)
    elif kind == "copies":
        new = copies(name)
    elif kind == "limits":
        new = limits(name)
    else:
        new = (root / name).read_text().rstrip("\n")
    head = f"<!-- begin {name}{' ' + kind if kind else ''} -->"
    return f"{head}\n{new}\n<!-- end {name} -->"


# The body may be empty (a file that was empty once): it must still be found and filled.
# Lazy (??), so that an empty body ends at its own end line, not at that of a later block
# of the same file on the page.
block = re.compile(r"<!-- begin (\S+)(?: (table|ratios|seals|pairs|outcomes|burst|copies|limits))? -->\n(.*?\n)??<!-- end \1 -->", re.S)
for page in pages:
    text = page.read_text()
    new = block.sub(fill, text)
    if new != text:
        page.write_text(new)
sys.exit(0)
