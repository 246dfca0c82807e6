#!/usr/bin/env bash
# The experiment that started this project (runc PR 4448) compared three builds of runc,
# unsealed, overlayfs-sealed and memfd-sealed, on one bundle with hyperfine: 1.01x and
# 1.65x. Here, in one interleaved run on one bundle: sealbench's libcontainer runtime
# sealed each of those ways (full-start), beside runc, crun and youki as they ship
# (container-start), every ratio with its CI. Writes results/seed-experiment.{json,md} and
# its charts. Run as root after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results
mkdir -p "$out/charts-seed-experiment"
./target/release/sealbench compare \
  --workload full-start,container-start --strategies noclone,overlayfs,memfd \
  --runtimes runc,crun,youki --time-budget "${BUDGET:-4}" --seed 4448 -q \
  --export-json "$out/seed-experiment.json" --export-markdown "$out/seed-experiment.md" \
  --plot "$out/charts-seed-experiment"
