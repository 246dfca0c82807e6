#!/usr/bin/env bash
# Is sealbench's noclone exec-true start as cheap as the cheapest honest two-stage start
# in C (fork, exec self, exec /bin/true)? Both are measured in alternating batches in one
# run, and the ratio of medians is printed. Run as root after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-400}
batches=${2:-5}
work=$(mktemp -d /tmp/sealbench-ref.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -o "$work/two-stage-ref" scripts/two-stage-ref.c
for i in $(seq "$batches"); do
  "$work/two-stage-ref" "$runs" >>"$work/c.txt"
  ./target/release/sealbench compare --strategies noclone --runs "$runs" --warmup 5 -q \
    --export-json "$work/s.json" >/dev/null 2>&1
  python3 -c 'import json,sys; [print(int(t*1e9)) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' \
    "$work/s.json" >>"$work/s.txt"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
c=$(median "$work/c.txt"); s=$(median "$work/s.txt")
awk -v c="$c" -v s="$s" 'BEGIN{printf "C two-stage median %.1f us, sealbench noclone median %.1f us, ratio %.3f\n", c/1e3, s/1e3, s/c}'
