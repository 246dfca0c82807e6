#!/usr/bin/env bash
# The suite must pass on a busy machine: run scripts/test.sh N times (default 3) while two
# CPU-bound busy loops keep both cores of a 2-core machine loaded, and report each run's
# result and duration. Exits non-zero if any run failed. With LOCK=FILE each run holds
# `flock FILE`, so that other work taking the same lock (builds) adds no load of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
loops=()
for _ in 1 2; do
  ( while :; do :; done ) &
  loops+=($!)
done
trap 'kill "${loops[@]}" 2>/dev/null || true' EXIT
failed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  if ${LOCK:+flock "$LOCK"} bash scripts/test.sh > "/tmp/test-under-load-$i.log" 2>&1; then result=passed; else result=FAILED; failed=1; fi
  echo "run $i under load: $result in $(( $(date +%s) - start )) s (log: /tmp/test-under-load-$i.log)"
done
exit $failed
