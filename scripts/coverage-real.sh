#!/usr/bin/env bash
# Do the intervals sealbench prints hold for the next run? Made on real runs, not in
# simulation: N independent `compare` runs of a few strategies at each time budget, and for
# every run and strategy, whether its printed interval holds the median ratio of the OTHER
# runs (leave one out). Two intervals are checked: the headline (passes pooled, with the
# between-run spread; what the table prints) and the run's own pooled-rounds bootstrap
# (what a single run can say about itself). Rates come with 95% Clopper-Pearson intervals.
#
#   scripts/coverage-real.sh [--runs N] [--budgets "1 6"] [--strategies LIST] [--out DIR]
#
# As root, on a quiet machine. Writes DIR/runs.jsonl (one line per run and strategy) and
# DIR/summary.{json,md}; DIR defaults to results/coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=20 budgets="1 6" strategies="noclone,overlayfs,memfd-bind,bind-ro,memfd" out=results/coverage
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --budgets) budgets=$2; shift 2 ;;
    --strategies) strategies=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "coverage-real: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $runs in ''|*[!0-9]*) echo "coverage-real: --runs needs a number" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "coverage-real: needs root" >&2; exit 3; }
sb=./target/release/sealbench
[ -x "$sb" ] || { echo "coverage-real: build first (cargo build --release --workspace)" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$out/runs.jsonl"
for budget in $budgets; do
  for i in $(seq 1 "$runs"); do
    "$sb" compare --strategies "$strategies" --workload exec-true --time-budget "$budget" \
      -q --export-json "$tmp/r.json" > /dev/null
    python3 - "$tmp/r.json" "$budget" "$i" >> "$out/runs.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for e in doc["results"]:
    r = e.get("ratio")
    if e["status"] != "ok" or not r or e["strategy"] == r["reference"]:
        continue
    print(json.dumps({"budget": float(sys.argv[2]), "run": int(sys.argv[3]), "strategy": e["strategy"],
                      "rounds": e.get("shared_rounds"), "value": r["value"], "headline": r["ci95"],
                      "run_only": r.get("run_ci95") or r["ci95"], "scope": r.get("scope"),
                      "cpu": doc["host"].get("cpu_model"), "kernel": doc["host"]["kernel"]}))
PY
    echo "coverage-real: budget ${budget}s, run $i of $runs" >&2
  done
done
python3 - "$out" <<'PY'
import json, sys
from math import comb
from statistics import median
out = sys.argv[1]
rows = [json.loads(l) for l in open(f"{out}/runs.jsonl")]
def tail_ge(k, n, p):
    return sum(comb(n, i) * p**i * (1 - p)**(n - i) for i in range(k, n + 1))
def solve(f, want):
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < want else (lo, mid)
    return (lo + hi) / 2
def cp(k, n):
    lo = 0.0 if k == 0 else solve(lambda p: tail_ge(k, n, p), 0.025)
    hi = 1.0 if k == n else solve(lambda p: -(1 - tail_ge(k + 1, n, p)), -0.025)
    return lo, hi
summary = []
lines = ["| budget per row | strategy | runs | rounds per run (median) | headline holds the others' median | run-only interval holds it | headline width (median) |",
         "|---:|---|---:|---:|---|---|---:|"]
for budget in sorted({r["budget"] for r in rows}):
    for s in dict.fromkeys(r["strategy"] for r in rows):
        rs = [r for r in rows if r["budget"] == budget and r["strategy"] == s]
        if len(rs) < 3:
            continue
        held = {"headline": 0, "run_only": 0}
        for r in rs:
            target = median(x["value"] for x in rs if x is not r)
            for k in held:
                lo, hi = r[k]
                held[k] += lo <= target <= hi
        n = len(rs)
        entry = {"budget": budget, "strategy": s, "runs": n,
                 "rounds_median": median(r["rounds"] or 0 for r in rs),
                 "headline_held": held["headline"], "run_only_held": held["run_only"],
                 "headline_ci95": cp(held["headline"], n), "run_only_ci95": cp(held["run_only"], n),
                 "headline_width_median": median(r["headline"][1] / r["headline"][0] - 1 for r in rs)}
        summary.append(entry)
        fmt = lambda k: f"{held[k]} of {n} ({100*held[k]/n:.0f}%, 95% CI {100*entry[k+'_ci95'][0]:.0f}–{100*entry[k+'_ci95'][1]:.0f}%)"
        lines.append(f"| {budget:g} s | {s} | {n} | {entry['rounds_median']:.0f} | {fmt('headline')} | {fmt('run_only')} | ±{50*entry['headline_width_median']:.1f}% |")
machine = f"{rows[0]['cpu']}, kernel {rows[0]['kernel']}" if rows else "?"
json.dump({"machine": machine, "rows": summary}, open(f"{out}/summary.json", "w"), indent=2)
with open(f"{out}/summary.md", "w") as f:
    f.write("\n".join(lines) + "\n")
    f.write(f"\nLeave one out: each run's interval against the median ratio of the other runs of the "
            f"same budget; exec-true, ratios over noclone, every run `compare` with its default "
            f"3 passes. Machine: {machine}. Made by scripts/coverage-real.sh.\n")
print(open(f"{out}/summary.md").read())
PY
