#!/usr/bin/env bash
# Regenerate everything in results/ from real runs on this machine, as root:
#   baseline.json        the CI gate's baseline (exec-true, every strategy, 10 passes × 300 rounds)
#   baseline-rerun.json  the same command again at the end, at another time (tests/headline.rs)
#   workloads.*          every strategy on all three workloads in one run: the ratio chart
#   exec-true.*          a 60-second run of every strategy, with its charts and HTML report
#   phases.*             where each strategy's time goes (--phases), all workloads, with HTML
#   full-start.*         every strategy sealing sealbench's libcontainer runtime
#   container-start.*    every strategy and the runc/crun peers on one bundle
#   runc-2026*.*         real runc builds beside runc, crun and youki, and full-start
#                        (scripts/runc-2026.sh, which builds runc first: cached after once)
#   audit.*              the attack matrix, with runc, crun and youki attacked from decoys
#   peer-fidelity.*      runc on PATH, by path and copied under /tmp, in one run
#   sweeps/*.json        exe-size, host-mounts and concurrency sweeps (charts in charts/)
#   sweeps/memory-limit*.{json,txt}, sweeps/concurrency-{memory,peers}.{json,txt}
#                        what an independent copy costs in memory: starts under memory
#                        limits with the copy in the container's cgroup (runc 1.1) and in
#                        the caller's (runc 1.2), with the peers and real runc builds; the
#                        memory peak of up to 64 simultaneous starts
#   README.md            the tables of all of the above (and scripts/readme-tables.py fills
#                        them into the top README.md and the manual, docs/src/)
# Takes about twenty minutes. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
sb=./target/release/sealbench
out=results
mkdir -p "$out/sweeps" "$out/charts" "$out/charts-concurrency-memory" "$out/charts-concurrency-peers" "$out/charts-container-start" "$out/charts-workloads" "$out/charts-full-start" "$out/charts-phases"

$sb compare --strategies all --workload exec-true --runs 300 --repeat 10 --seed 2026 -q \
  --export-json "$out/baseline.json" --export-markdown "$out/baseline.md"
$sb compare --strategies all --workload all --time-budget 2 --seed 2028 -q \
  --export-json "$out/workloads.json" --export-markdown "$out/workloads.md" --plot "$out/charts-workloads"
$sb compare --strategies all --workload full-start --time-budget 4 --seed 2029 -q \
  --export-json "$out/full-start.json" --export-markdown "$out/full-start.md" --plot "$out/charts-full-start"
$sb compare --strategies all --workload exec-true --time-budget 6 --seed 2026 -q \
  --export-json "$out/exec-true.json" --export-markdown "$out/exec-true.md" --export-html "$out/exec-true.html" --plot "$out/charts"
$sb compare --strategies all --workload all --phases --time-budget 1 --seed 2030 -q \
  --export-json "$out/phases.json" --export-markdown "$out/phases.md" --export-html "$out/phases.html" \
  --plot "$out/charts-phases" > "$out/phases.txt"
$sb compare --strategies all --workload container-start --runtimes runc,crun,youki --time-budget 4 --max-runs 2000 --seed 4 -q \
  --export-json "$out/container-start.json" --export-markdown "$out/container-start.md" --plot "$out/charts-container-start"
scripts/seed-experiment.sh
scripts/runc-2026.sh --time-budget 5
$sb audit --runtimes runc,crun,youki --export-json "$out/audit.json" --export-markdown "$out/audit.md"
# The same runc three ways (on PATH, by path, a copy under /tmp): one seal path, one cost.
fidelity=$(mktemp -d /tmp/peer-fidelity.XXXXXX)
trap 'rm -rf "$fidelity"' EXIT
cp "$(command -v runc)" "$fidelity/runc"
$sb compare --strategies none --workload container-start --runtimes runc \
  --runtime "by-path=$(command -v runc)" --runtime "copy-in-tmp=$fidelity/runc" --reference runc \
  --time-budget 30 --repeat 5 --seed 23 -q \
  --export-json "$out/peer-fidelity.json" --export-markdown "$out/peer-fidelity.md"
$sb sweep --param exe-size --values 1M,4M,16M,64M --runs 40 --seed 11 -q \
  --export-json "$out/sweeps/exe-size.json" --plot "$out/charts"
$sb sweep --param host-mounts --values 0,100,1000,5000 --workload exec-true,container-start --runs 40 --seed 12 -q \
  --strategies noclone,memfd,bind-ro,bind-ro-host,overlayfs,open-tree \
  --export-json "$out/sweeps/host-mounts.json" --plot "$out/charts"
$sb sweep --param concurrency --values 1,2,4,8 --runs 40 --seed 13 -q \
  --strategies noclone,memfd,bind-ro,overlayfs,open-tree \
  --export-json "$out/sweeps/concurrency.json" --plot "$out/charts"
# What an independent copy costs: who pays for it, and who is killed for it (runc 1.1.15
# copies in `runc init`, runc 1.5.1's memfd variant in `runc run`, its overlayfs none).
runc_builds=()
for b in "1.1.15 shipped" "1.5.1 memfd" "1.5.1 overlayfs"; do
  read -r version variant <<<"$b"
  path=$(scripts/build-runc.sh --source "v$version" --variant "$variant" | tail -n 1)
  runc_builds+=(--runtime "runc-$version-$variant=$path")
done
$sb sweep --param memory-limit --values 8M,16M,32M,none --workload container-start,full-start \
  --strategies all --runtimes runc,crun,youki "${runc_builds[@]}" --runs 20 --seed 14 -q \
  --export-json "$out/sweeps/memory-limit.json" > "$out/sweeps/memory-limit.txt"
$sb sweep --param memory-limit --copy-in caller --values 8M,16M,32M,none \
  --workload container-start,full-start --strategies noclone,memfd,tmpfile,bind-ro,overlayfs,memfd-pool,reflink \
  --runs 20 --seed 15 -q \
  --export-json "$out/sweeps/memory-limit-caller.json" > "$out/sweeps/memory-limit-caller.txt"
# (tmpfile is not in it: with several starters in one process, a starter's child inherits
# another's tmpfile while it is still open for writing, and that one's exec fails ETXTBSY.)
$sb sweep --param concurrency --values 1,4,16,64 --runs 10 --seed 16 -q \
  --strategies noclone,memfd,overlayfs,memfd-pool,reflink --plot "$out/charts-concurrency-memory" \
  --export-json "$out/sweeps/concurrency-memory.json" > "$out/sweeps/concurrency-memory.txt"
# The same for runc, crun, youki and the real runc builds: n starts of `RUNTIME run` at once.
$sb sweep --param concurrency --values 1,4,16,64 --runs 10 --seed 17 -q --strategies none \
  --runtimes runc,crun,youki "${runc_builds[@]}" --plot "$out/charts-concurrency-peers" \
  --export-json "$out/sweeps/concurrency-peers.json" > "$out/sweeps/concurrency-peers.txt"

{
  echo "# Reference results"
  echo
  echo "Made by \`scripts/refresh-results.sh\` on $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
  echo "Every file here is regenerated by that script; nothing is typed in by hand."
  echo
  echo "## All three workloads in one run (\`workloads.json\`)"
  echo
  echo "![ratios](charts-workloads/ratios.png)"
  echo
  cat "$out/workloads.md"
  echo
  echo "## full-start: sealbench's libcontainer runtime, sealed by each strategy"
  echo
  echo "![ratios](charts-full-start/ratios.png)"
  echo
  cat "$out/full-start.md"
  echo
  echo "## The seed's experiment (\`seed-experiment.json\`)"
  echo
  echo "![ratios](charts-seed-experiment/ratios.png)"
  echo
  cat "$out/seed-experiment.md"
  echo
  echo "## The 2026 question on real runc builds (\`runc-2026.json\`, \`runc-2026.html\`)"
  echo
  echo "![ratios](charts-runc-2026/ratios.png)"
  echo
  cat "$out/runc-2026.md"
  echo
  echo "### Against runc-1.5.1-overlayfs (\`runc-2026-ref-overlayfs.json\`) and runc-1.5.1-noclone (\`runc-2026-ref-noclone.json\`)"
  echo
  cat "$out/runc-2026-ref-overlayfs.md"
  echo
  cat "$out/runc-2026-ref-noclone.md"
  echo
  echo "### sealbench's strategies on full-start, the same script (\`runc-2026-full-start.json\`)"
  echo
  echo "![ratios](charts-runc-2026-full-start/ratios.png)"
  echo
  cat "$out/runc-2026-full-start.md"
  echo
  echo "## Where the time goes (\`phases.json\`, \`phases.html\`)"
  echo
  echo "![phases](charts-phases/phases.png)"
  echo
  echo '```'
  sed -n '/Where the time goes/,/^Summary/p' "$out/phases.txt" | sed '$d'
  echo '```'
  echo
  echo "## CI gate baseline (\`baseline.json\`): exec-true, 10 passes of 300 rounds"
  echo
  cat "$out/baseline.md"
  echo
  echo "## exec-true, about 6 s of starts per strategy"
  echo
  echo "![ratios](charts/ratios.png)"
  echo
  cat "$out/exec-true.md"
  echo
  echo "## container-start, with runc and crun"
  echo
  echo "![medians](charts-container-start/medians.png)"
  echo
  cat "$out/container-start.md"
  echo
  echo "## The same runc on PATH, by path and copied under /tmp (\`peer-fidelity.json\`)"
  echo
  cat "$out/peer-fidelity.md"
  echo
  echo "## Audit"
  echo
  cat "$out/audit.md"
  echo
  echo "## What an independent copy costs (\`sweeps/memory-limit*.json\`, \`sweeps/concurrency-memory.json\`)"
  echo
  echo "Starts under a memory limit on the container's cgroup, the copy made in the container's cgroup (runc 1.1):"
  echo
  echo '```'
  cat "$out/sweeps/memory-limit.txt"
  echo '```'
  echo
  echo "The same, the copy made by the caller (runc 1.2):"
  echo
  echo '```'
  cat "$out/sweeps/memory-limit-caller.txt"
  echo '```'
  echo
  echo "Memory peak of simultaneous starts:"
  echo
  echo '```'
  cat "$out/sweeps/concurrency-memory.txt"
  echo '```'
  echo
  echo "The same for runtime peers and real runc builds (\`sweeps/concurrency-peers.json\`):"
  echo
  echo '```'
  cat "$out/sweeps/concurrency-peers.txt"
  echo '```'
  echo
  echo "## Sweeps"
  echo
  for chart in sweep-exe-size sweep-host-mounts-exec-true sweep-host-mounts-container-start sweep-concurrency; do
    echo "![${chart}](charts/${chart}.png)"
    echo
  done
} > "$out/README.md"

# The baseline's command again, last: a run made at another time than the baseline, for
# tests/headline.rs's check that a headline interval holds the next run's ratio.
$sb compare --strategies all --workload exec-true --runs 300 --repeat 10 --seed 2027 -q \
  --export-json "$out/baseline-rerun.json" > /dev/null

python3 scripts/readme-tables.py
echo "results/ and the tables of README.md and docs/src/ refreshed"
