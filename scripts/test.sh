#!/usr/bin/env bash
# Every test, the way CI runs them (as root: most tests mount and create namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# The whole suite must leave the host's mount table exactly as it found it.
before=$(cat /proc/self/mountinfo)
cargo test --release --workspace --no-fail-fast
after=$(cat /proc/self/mountinfo)
if [ "$before" != "$after" ]; then
  echo "FAIL: the test suite changed the host mount table:"
  diff <(echo "$before") <(echo "$after") || true
  exit 1
fi
echo "host mount table unchanged by the suite"
