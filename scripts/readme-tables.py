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
        last column is rewritten with that strategy's exec-true ratio to the reference.
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
    """The command that made a run, without the options that only say where it was written."""
    words, out, skip = shlex.split(line), [], False
    for w in words:
        if skip:
            skip = False
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
        f"runtime binary {size(host['exe_size_bytes'])}" if "exe_size_bytes" in host else None,
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


def fill(match):
    name, kind, body = match.group(1), match.group(2), match.group(3) or ""
    if kind == "table":
        new = table_only(name)
    elif kind == "ratios":
        new = ratios(name, body.rstrip("\n"))
    else:
        new = (root / name).read_text().rstrip("\n")
    head = f"<!-- begin {name}{' ' + kind if kind else ''} -->"
    return f"{head}\n{new}\n<!-- end {name} -->"


# The body may be empty (a file that was empty once): it must still be found and filled.
block = re.compile(r"<!-- begin (\S+)(?: (table|ratios))? -->\n(.*?\n)?<!-- end \1 -->", re.S)
for page in pages:
    text = page.read_text()
    new = block.sub(fill, text)
    if new != text:
        page.write_text(new)
sys.exit(0)
