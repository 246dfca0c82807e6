#!/usr/bin/env bash
# Calibrate the A/B gate (`gate --runtime base=… --runtime cand=… --reference base`) with
# real slowed builds, as root, on a quiet machine. Both contenders are the wrapper of
# scripts/slow-runtime.c around the same runtime (runc by default), so they differ only
# in a busy-wait on `run`, in the runtime's own process, where a real regression lives: 0
# for the control build, PCT% of the control's median start for the slowed one. Per N:
# three gates of two identical builds (false alarms: exit 1), one with the candidate slowed
# by the margin (3%: a wrong "regressed" there is the error the design bounds by 5% over
# all its looks), and one slowed by twice the margin (6%: detection); interleaved.
# Every rate is printed with its 95% Clopper–Pearson interval.
# With LOCK=FILE every gate holds `flock FILE`, so builds and tests wait between gates.
# Writes results/calibration/ab-gates.jsonl and ab-summary.{json,md}.
#   scripts/calibrate-ab-gate.sh [N=20]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
real=${RUNTIME:-$(command -v runc)}
out=results/calibration
mkdir -p "$out"
tmp=$(mktemp -d /var/tmp/calibrate-ab.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp ./target/release/sealbench "$tmp/sealbench"
cp ./target/release/sealbench-runtime "$tmp/" 2>/dev/null || true
sb=$tmp/sealbench
build() { gcc -O2 -Wall -DREAL="\"$real\"" -DDELAY_NS="$2" -o "$tmp/$1" scripts/slow-runtime.c; }
build control 0

# The control build's median start, from a short run of its own.
${LOCK:+flock "$LOCK"} "$sb" compare --strategies none --workload container-start --runtime "control=$tmp/control" \
  --reference control --runs 40 -q --export-json "$tmp/m.json" > /dev/null
median=$(python3 -c "import json; print(json.load(open('$tmp/m.json'))['results'][0]['median'])")
echo "control build ($real via the wrapper): median start $median s"
for pct in 3 6; do
  build "slow$pct" "$(python3 -c "print(round($median * $pct / 100 * 1e9))")"
done
build twin 0

: > "$out/ab-gates.jsonl"
for i in $(seq 1 "$n"); do
  levels="0 3 0 6 0"
  for pct in $levels; do
    cand=$tmp/twin
    [ "$pct" != 0 ] && cand=$tmp/slow$pct
    set +e
    ${LOCK:+flock "$LOCK"} "$sb" gate --runtime "base=$tmp/control" --runtime "cand=$cand" \
      --reference base --runs "${RUNS:-100}" -q --export-json "$tmp/v.json" > "$tmp/out.txt" 2> "$tmp/err.txt"
    code=$?
    set -e
    if [ ! -s "$tmp/v.json" ]; then cat "$tmp/err.txt" >&2; exit 2; fi
    python3 - "$tmp/v.json" "$pct" "$code" >> "$out/ab-gates.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
v = next(x for x in doc["verdicts"] if x["strategy"] == "cand")
print(json.dumps({
    "injected_percent": int(sys.argv[2]), "exit": int(sys.argv[3]), "seconds": round(doc["seconds"], 1),
    "passes": v["passes"][1], "outcome": v["outcome"], "change": v["change"],
    "change_ci": v.get("change_ci"), "base_median": v.get("baseline_median"), "cand_median": v.get("current_median"),
}))
PY
    rm -f "$tmp/v.json"
    echo "A/B gate $i, candidate +$pct%: exit $code"
  done
done

python3 - "$out" "$real" "$median" "${RUNS:-100}" <<'PY'
import json, sys
from math import comb
out, real, median, doc_runs = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
gates = [json.loads(l) for l in open(f"{out}/ab-gates.jsonl")]
def tail_ge(k, n, p):
    return sum(comb(n, i) * p**i * (1 - p)**(n - i) for i in range(k, n + 1))
def solve(f, want):
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < want else (lo, mid)
    return (lo + hi) / 2
def cp(k, n):
    """95% Clopper-Pearson interval of k successes in n: the p at which P(X >= k) and
    P(X <= k) reach 2.5%."""
    lo = 0.0 if k == 0 else solve(lambda p: tail_ge(k, n, p), 0.025)
    hi = 1.0 if k == n else solve(lambda p: -(1 - tail_ge(k + 1, n, p)), -0.025)
    return lo, hi
def rate(k, n):
    lo, hi = cp(k, n)
    return f"{k} of {n} ({100*k/n:.1f}%, 95% CI {100*lo:.1f}–{100*hi:.1f}%)"
def med(xs):
    xs = sorted(xs); n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2
summary = {"runtime": real, "control_median_seconds": median, "by_injection": {}}
lines = ["| candidate slowed by | gates | regressed (exit 1) | passed (exit 0) | inconclusive (exit 4) | median change seen | seconds per gate (median, max) | passes (median) |",
         "|---:|---:|---|---:|---:|---:|---:|---:|"]
for pct in sorted({g["injected_percent"] for g in gates}):
    gs = [g for g in gates if g["injected_percent"] == pct]
    count = lambda code: sum(g["exit"] == code for g in gs)
    changes = [g["change"] for g in gs if g["change"] is not None]
    secs = [g["seconds"] for g in gs]
    summary["by_injection"][str(pct)] = {"gates": len(gs), "regressed": count(1), "passed": count(0),
        "inconclusive": count(4), "median_change": med(changes) if changes else None,
        "seconds_median": med(secs), "seconds_max": max(secs), "passes_median": med([g["passes"] for g in gs])}
    summary["by_injection"][str(pct)]["regressed_ci95"] = cp(count(1), len(gs))
    lines.append(f"| {pct}% | {len(gs)} | {rate(count(1), len(gs))} | {count(0)} | {count(4)} | "
                 f"{100*med(changes):+.1f}% | {med(secs):.0f}, {max(secs):.0f} | {med([g['passes'] for g in gs]):.0f} |")
honest = [g for g in gates if g["injected_percent"] == 0]
summary["false_alarm_rate"] = sum(g["exit"] == 1 for g in honest) / len(honest)
json.dump(summary, open(f"{out}/ab-summary.json", "w"), indent=2)
with open(f"{out}/ab-summary.md", "w") as f:
    f.write("\n".join(lines) + "\n")
    f.write(f"\nTwo builds of {real} (a wrapper that busy-waits on `run`, control median {median*1e3:.1f} ms), "
            f"{doc_runs} rounds per pass, 3 passes and one more while a row is undecided, at most 10, "
            f"each look at the bar of a Pocock error-spending design; margin 3%. "
            f"False alarms (identical builds, exit 1): {rate(sum(g['exit'] == 1 for g in honest), len(honest))}.\n")
print(open(f"{out}/ab-summary.md").read())
PY
