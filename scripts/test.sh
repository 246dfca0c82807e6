#!/usr/bin/env bash
# Every test, the way CI runs them (as root: most tests mount and create namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# The whole suite must leave the host's mount table exactly as it found it.
before=$(cat /proc/self/mountinfo)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --release --workspace --no-fail-fast 2>&1 | tee "$log"
after=$(cat /proc/self/mountinfo)
if [ "$before" != "$after" ]; then
  echo "FAIL: the test suite changed the host mount table:"
  diff <(echo "$before") <(echo "$after") || true
  exit 1
fi
echo "host mount table unchanged by the suite"
# Privileged tests skip visibly without root (a SKIPPED line each); count them here, so a
# green run as a normal user does not pass for a full one.
passed=$(awk '/^test result:/ {p += $4} END {print p + 0}' "$log")
skipped=$( { grep -o 'SKIPPED [^:]*: needs root' "$log" || true; } | wc -l)
echo "suite: $passed tests passed, $skipped skipped for want of root"
