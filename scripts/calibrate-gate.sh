#!/usr/bin/env bash
# Calibrate the regression gate with real slowdowns, as root, on a quiet machine:
#   N honest gates against the baseline (false alarms: the gate exits 1), N gates with
#   overlayfs slowed by 5% of its baseline median, and N/4 each slowed by 3% and 10% (a
#   busy-wait inside its timed starts, `--inject-delay`; detection: overlayfs "regressed").
# The four kinds are interleaved, so drift in the machine hits them alike. Anything else
# that loads the machine spoils the measurement: with LOCK=FILE, every gate holds
# `flock FILE`, so that builds and tests that take the same lock wait between gates.
# Writes results/calibration/gates.jsonl (one line per gate) and summary.{json,md}.
#   scripts/calibrate-gate.sh [N=20]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
base=${BASELINE:-results/baseline.json}
out=results/calibration
mkdir -p "$out"
tmp=$(mktemp -d /tmp/calibrate.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# A copy of the binary, so that a rebuild during the hour this takes changes nothing.
cp ./target/release/sealbench "$tmp/sealbench"
sb=$tmp/sealbench

median=$(python3 - "$base" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
print(next(r["median"] for r in rows if r["strategy"] == "overlayfs" and r["status"] == "ok"))
PY
)
echo "overlayfs baseline median: $median s"
: > "$out/gates.jsonl"
for i in $(seq 1 "$n"); do
  levels="0 5"
  [ $((i % 4)) = 1 ] && levels="0 3 5 10"
  for pct in $levels; do
    args=()
    if [ "$pct" != 0 ]; then
      us=$(python3 -c "print(round($median * $pct / 100 * 1e6))")
      args=(--inject-delay "overlayfs=${us}us")
    fi
    set +e
    ${LOCK:+flock "$LOCK"} "$sb" gate --baseline "$base" -q --export-json "$tmp/v.json" "${args[@]}" > "$tmp/out.txt" 2> "$tmp/err.txt"
    code=$?
    set -e
    secs=$(python3 -c "import json; print(round(json.load(open('$tmp/v.json'))['seconds'], 1))")
    python3 - "$tmp/v.json" "$pct" "$code" >> "$out/gates.jsonl" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
v = doc["verdicts"]
print(json.dumps({
    "injected_percent": int(sys.argv[2]), "exit": int(sys.argv[3]), "seconds": round(doc["seconds"], 1),
    "passes": max(x["passes"][1] for x in v),
    "outcomes": {x["strategy"]: x["outcome"] for x in v},
    "overlayfs_change": next((x["change"] for x in v if x["strategy"] == "overlayfs"), None),
}))
PY
    echo "gate $i, overlayfs +$pct%: exit $code in ${secs}s"
  done
done

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
gates = [json.loads(l) for l in open(f"{out}/gates.jsonl")]
summary = {"gates": len(gates), "by_injection": {}}
lines = ["| overlayfs slowed by | gates | overlayfs regressed | any other strategy regressed | inconclusive (exit 4) | median change seen | seconds per gate (median, max) | passes (median) |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|"]
def med(xs):
    xs = sorted(xs); n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2
for pct in sorted({g["injected_percent"] for g in gates}):
    gs = [g for g in gates if g["injected_percent"] == pct]
    caught = sum(g["outcomes"].get("overlayfs") == "regressed" for g in gs)
    others = sum(any(o == "regressed" for s, o in g["outcomes"].items() if s != "overlayfs") for g in gs)
    unsure = sum(g["exit"] == 4 for g in gs)
    changes = [g["overlayfs_change"] for g in gs if g["overlayfs_change"] is not None]
    secs = [g["seconds"] for g in gs]
    summary["by_injection"][str(pct)] = {
        "gates": len(gs), "overlayfs_regressed": caught, "other_regressed": others,
        "inconclusive": unsure, "median_change": med(changes) if changes else None,
        "seconds_median": med(secs), "seconds_max": max(secs),
        "passes_median": med([g["passes"] for g in gs]),
    }
    lines.append(f"| {pct}% | {len(gs)} | {caught} ({100*caught/len(gs):.0f}%) | {others} | {unsure} | "
                 f"{100*med(changes):+.1f}% | {med(secs):.0f}, {max(secs):.0f} | {med([g['passes'] for g in gs]):.0f} |")
honest = [g for g in gates if g["injected_percent"] == 0]
summary["false_alarm_rate"] = sum(g["exit"] == 1 for g in honest) / len(honest)
json.dump(summary, open(f"{out}/summary.json", "w"), indent=2)
with open(f"{out}/summary.md", "w") as f:
    f.write("\n".join(lines) + "\n")
    f.write(f"\nFalse alarms (an honest gate exiting 1): {sum(g['exit'] == 1 for g in honest)} of {len(honest)}. "
            "Each gate: 3 passes, one more while any strategy is inconclusive, at most 10; margin 3% (20% for memfd and tmpfile).\n")
print(open(f"{out}/summary.md").read())
PY
