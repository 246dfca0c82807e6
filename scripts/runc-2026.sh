#!/usr/bin/env bash
# The 2026 question (runc issue 5272, PR 5290): page-cache poisoning makes every seal that
# shares the host binary's pages unsafe, so what would an independent copy per start cost
# runc's users? Measured on real runc builds, in one interleaved run on one bundle.
#
#   scripts/runc-2026.sh [--short] [--out DIR] [--time-budget S] [--seed N]
#
# Builds (scripts/build-runc.sh, cached) runc v1.5.1 shipped, overlayfs, memfd and noclone
# and v1.1.15 shipped, then runs `sealbench compare --strategies none --workload
# container-start` with those five (named runc-1.5.1-shipped, ...) beside Debian's runc,
# crun and youki (--runtimes runc,crun,youki), against runc-1.5.1-shipped; then sealbench's
# own strategies on full-start, for comparison. Writes into DIR (default results/):
#   runc-2026.{json,md,html}, charts-runc-2026/    the eight rows, ratios to runc-1.5.1-shipped
#   runc-2026-ref-overlayfs.{json,md}              the same run, ratios to runc-1.5.1-overlayfs
#   runc-2026-ref-noclone.{json,md}                the same run, ratios to runc-1.5.1-noclone
#                                                  (both by `sealbench report --reference`)
#   runc-2026-full-start.{json,md}, charts-runc-2026-full-start/
# and, when DIR is results/, refreshes the tables of README.md and docs/src/
# (scripts/readme-tables.py). A row's observed seal or data that differs from what its
# build should do is a warning; a build's row that is not ok fails the run.
#
# --short (what CI runs): v1.5.1 memfd against v1.5.1 overlayfs only, 30 rounds, into a
# temporary directory (removed on exit; --out keeps the files), and fails unless both rows
# are ok and observed as memfd/independent and overlayfs/shared.
# --time-budget S: seconds of measured starts per row (default 5; with --short it replaces
# the 30 rounds). --seed N: the runs' seed (default 5272).
# Build cache: $SEALBENCH_RUNC_CACHE, else /var/cache/sealbench-runc (see build-runc.sh).
# sealbench: $SEALBENCH, else target/release/sealbench (scripts/setup.sh builds it).
#
# Exit codes: 0 done (and, with --short, the checks hold); 1 a build, a run or a check
# failed; 2 bad input (one line); 3 not root.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"

say() { printf 'runc-2026: %s\n' "$*" >&2; }
bad_input() { say "$*"; exit 2; }
die() { say "$*"; exit 1; }

short="" out="" budget="" seed=5272
while [ $# -gt 0 ]; do
  case $1 in
    --short) short=1; shift ;;
    --out) [ $# -ge 2 ] || bad_input "--out needs a value"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --time-budget) [ $# -ge 2 ] || bad_input "--time-budget needs a value"; budget=$2; shift 2 ;;
    --time-budget=*) budget=${1#*=}; shift ;;
    --seed) [ $# -ge 2 ] || bad_input "--seed needs a value"; seed=$2; shift 2 ;;
    --seed=*) seed=${1#*=}; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) bad_input "unknown argument '$1' (see --help)" ;;
  esac
done
if [ -n "$budget" ]; then
  [[ $budget =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v b="$budget" 'BEGIN { exit !(b > 0 && b <= 3600) }' ||
    bad_input "--time-budget must be a number of seconds above 0 and at most 3600, not '$budget'"
fi
# A u64, as sealbench reads it.
[[ $seed =~ ^[0-9]{1,20}$ ]] && { [ ${#seed} -lt 20 ] || [[ $seed < 18446744073709551616 ]]; } ||
  bad_input "--seed must be an integer from 0 to 18446744073709551615, not '$seed'"
if [ -n "$out" ]; then
  [ ! -e "$out" ] || [ -d "$out" ] || bad_input "--out $out exists and is not a directory"
  mkdir -p -- "$out" 2>/dev/null || bad_input "cannot create the directory $out"
  [ -w "$out" ] || bad_input "cannot write into $out"
fi

[ "$(id -u)" = 0 ] || { say "needs root (sealbench runs the runtimes in a mount namespace of its own)"; exit 3; }
sb=${SEALBENCH:-$repo/target/release/sealbench}
[ -x "$sb" ] || die "no sealbench at $sb: run scripts/setup.sh (it builds it), or set SEALBENCH"
command -v python3 >/dev/null || die "python3 is needed to check the results"

tmp=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [ -z "$tmp" ] || rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealbench-runc-2026.XXXXXX")
if [ -z "$out" ]; then
  if [ -n "$short" ]; then out="$tmp/out"; else out=results; fi
  mkdir -p -- "$out"
fi

# --- the builds ---------------------------------------------------------------------------
# build-runc.sh prints the binary's path last; its progress goes to stderr.
build() {
  local path
  path=$("$repo/scripts/build-runc.sh" --source "$1" --variant "$2" | tail -n 1) ||
    die "scripts/build-runc.sh --source $1 --variant $2 failed"
  [ -x "$path" ] || die "scripts/build-runc.sh --source $1 --variant $2 printed no binary ('$path')"
  printf '%s\n' "$path"
}
start=$(date +%s.%N)
if [ -n "$short" ]; then
  builds=("1.5.1 memfd" "1.5.1 overlayfs")
  reference=runc-1.5.1-overlayfs
else
  builds=("1.5.1 shipped" "1.5.1 overlayfs" "1.5.1 memfd" "1.5.1 noclone" "1.1.15 shipped")
  reference=runc-1.5.1-shipped
fi
runtime_args=()
for b in "${builds[@]}"; do
  read -r version variant <<<"$b"
  path=$(build "v$version" "$variant")
  runtime_args+=(--runtime "runc-$version-$variant=$path")
done
say "builds ready in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

# --- the check: every row's status, observed seal and data ----------------------------------
# check.py FILE MODE: prints one line per row; exits 1 when a row that must be ok is not, or
# (MODE strict) when a build's observed seal or data is not what its variant does.
cat >"$tmp/check.py" <<'EOF'
import json, sys

path, mode = sys.argv[1], sys.argv[2]
run = json.load(open(path))
# What each build and peer should be seen to do here (docs/src/runtimes.md); Debian's runc
# 1.1.5 and crun bind their binary read-only when it lives on a filesystem they can bind.
expect = {
    "runc-1.5.1-shipped": ("overlayfs", "shared"),
    "runc-1.5.1-overlayfs": ("overlayfs", "shared"),
    "runc-1.5.1-memfd": ("memfd", "independent"),
    "runc-1.5.1-noclone": ("none", "shared"),
    "runc-1.1.15-shipped": ("memfd", "independent"),
    "youki": ("memfd", "independent"),
    "noclone": ("none", "shared"),
    "memfd": ("memfd", "independent"),
    "tmpfile": ("tmpfile", "independent"),
    "overlayfs": ("overlayfs", "shared"),
}
rows = {r["strategy"]: r for r in run["results"]}
failed = []
for name, r in rows.items():
    status = r.get("status")
    build = name.startswith("runc-1.")
    if status != "ok":
        line = f"{name}: {status}: {r.get('reason') or '?'}"
        print("  " + line)
        if build:
            failed.append(line)
        continue
    seal, data = r.get("seal_observed"), r.get("data")
    ratio = r.get("ratio") or {}
    lo, hi = (ratio.get("ci95") or [float("nan")] * 2)
    print(f"  {name:22} {seal or '?':>10} {data or '?':>12}   median {r['median'] * 1e3:8.3f} ms   "
          f"{ratio.get('value', float('nan')):6.3f}x ({lo:.3f}-{hi:.3f}) of {ratio.get('reference', '?')}")
    if name in expect and (seal, data) != expect[name]:
        line = f"{name}: observed {seal}/{data}, expected {expect[name][0]}/{expect[name][1]} ({r.get('seal_evidence')})"
        print("  WARNING " + line)
        if mode == "strict":
            failed.append(line)
missing = [n for n in (sys.argv[3:]) if n not in rows]
failed += [f"{n}: no row" for n in missing]
for line in failed:
    print("FAIL " + line, file=sys.stderr)
sys.exit(1 if failed else 0)
EOF

ratio_line() { # FILE NAME: "NAME / REF = x (CI lo-hi)"
  python3 - "$1" "$2" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
r = next(r for r in run["results"] if r["strategy"] == sys.argv[2])
q = r["ratio"]
print(f"{sys.argv[2]} / {q['reference']}: {q['value']:.3f}x (95% CI {q['ci95'][0]:.3f}-{q['ci95'][1]:.3f}, {q.get('verdict', '')})")
EOF
}

# sealbench compare exits 1 when a row failed, after writing its exports: the check says which.
compare() {
  local code=0
  "$sb" compare "$@" || code=$?
  case $code in
    0|1) ;;
    *) die "sealbench compare exited $code" ;;
  esac
}

if [ -n "$short" ]; then
  rounds=(--runs 30)
  [ -z "$budget" ] || rounds=(--time-budget "$budget")
  json="$out/runc-2026-short.json"
  say "v1.5.1 memfd against v1.5.1 overlayfs, ${rounds[*]}, seed $seed"
  compare --strategies none --workload container-start "${runtime_args[@]}" \
    --reference "$reference" "${rounds[@]}" --seed "$seed" -q --export-json "$json" >"$tmp/compare.txt"
  code=0
  python3 "$tmp/check.py" "$json" strict runc-1.5.1-memfd runc-1.5.1-overlayfs || code=$?
  if [ "$code" = 0 ]; then
    say "ok: $(ratio_line "$json" runc-1.5.1-memfd) in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  else
    cat "$tmp/compare.txt" >&2
    say "FAILED: see above"
  fi
  exit "$code"
fi

# --- the full experiment ------------------------------------------------------------------
budget=${budget:-5}
mkdir -p -- "$out/charts-runc-2026" "$out/charts-runc-2026-full-start"
say "eight runtimes on container-start, $budget s of starts each, seed $seed"
compare --strategies none --workload container-start "${runtime_args[@]}" --runtimes runc,crun,youki \
  --reference "$reference" --time-budget "$budget" --seed "$seed" -q \
  --export-json "$out/runc-2026.json" --export-markdown "$out/runc-2026.md" \
  --export-html "$out/runc-2026.html" --plot "$out/charts-runc-2026"
for ref in overlayfs noclone; do
  "$sb" report "$out/runc-2026.json" --reference "runc-1.5.1-$ref" \
    --export-json "$out/runc-2026-ref-$ref.json" --export-markdown "$out/runc-2026-ref-$ref.md" >/dev/null ||
    die "sealbench report --reference runc-1.5.1-$ref failed"
done
say "sealbench's strategies on full-start, $budget s of starts each, seed $seed"
compare --strategies all --workload full-start --time-budget "$budget" --seed "$seed" -q \
  --export-json "$out/runc-2026-full-start.json" --export-markdown "$out/runc-2026-full-start.md" \
  --plot "$out/charts-runc-2026-full-start"

code=0
echo "container-start (results in $out/runc-2026.json):"
python3 "$tmp/check.py" "$out/runc-2026.json" warn runc-1.5.1-shipped runc-1.5.1-overlayfs \
  runc-1.5.1-memfd runc-1.5.1-noclone runc-1.1.15-shipped || code=1
echo "full-start (results in $out/runc-2026-full-start.json):"
python3 "$tmp/check.py" "$out/runc-2026-full-start.json" warn || true
echo "what an independent copy (memfd) costs per runc start:"
echo "  $(ratio_line "$out/runc-2026-ref-overlayfs.json" runc-1.5.1-memfd)"
echo "  $(ratio_line "$out/runc-2026.json" runc-1.5.1-memfd)"
echo "  $(ratio_line "$out/runc-2026-ref-noclone.json" runc-1.5.1-memfd)   (PR 4448, 2024: 1.65 +- 0.15)"
echo "  $(ratio_line "$out/runc-2026-ref-noclone.json" runc-1.5.1-overlayfs)   (PR 4448, 2024: 1.01 +- 0.09)"
echo "  $(ratio_line "$out/runc-2026-full-start.json" memfd)   (sealbench's own runtime, full-start)"
if [ "$(realpath -- "$out")" = "$repo/results" ]; then
  python3 scripts/readme-tables.py
  say "the tables of README.md and docs/src/ are refreshed from results/"
fi
say "done in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s"
exit "$code"
