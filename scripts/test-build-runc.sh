#!/usr/bin/env bash
# Checks scripts/build-runc.sh end to end, as root: the five runc builds sealbench measures
# (v1.5.1 shipped, noclone, memfd, overlayfs; v1.1.15 shipped) are built or taken from the
# cache, each runs sealbench's default bundle, each seals as its variant says (exe link, fs
# type, debug line, shared or independent text pages: scripts/runc-seal-observe.sh), a
# second call returns the same path from the cache without building, and bad input exits 2.
#
#   scripts/test-build-runc.sh [--cache DIR | --cold]
#
# --cold uses a fresh cache (the toolchain installed again, an empty Go build cache) and
# removes it afterwards: the cold timings. Prints the timings, then "N passed, M failed";
# exits 1 if anything failed.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
build="$repo/scripts/build-runc.sh"
observe="$repo/scripts/runc-seal-observe.sh"

cache_args=() cold=""
while [ $# -gt 0 ]; do
  case $1 in
    --cache) [ $# -ge 2 ] || { echo "--cache needs a value" >&2; exit 2; }; cache_args=(--cache "$2"); shift 2 ;;
    --cold) cold=1; shift ;;
    *) echo "usage: test-build-runc.sh [--cache DIR | --cold]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "test-build-runc: needs root (runc, page frame numbers)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealbench-test-runc.XXXXXX")
run_ids=()
cleanup() {
  local rc=$? id
  trap - EXIT INT TERM
  for id in "${run_ids[@]}"; do
    for runc in "$tmp"/runc-of-*; do
      [ -e "$runc" ] || continue
      "$(cat "$runc")" --root "$tmp/root" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -n "$cold" ]; then
  cache_args=(--cache "$tmp/cache")
fi

passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- bad input: one line on stderr, exit 2 --------------------------------------------------
printf 'not a tarball\n' >"$tmp/bogus.tar.gz"
bad_cases=(
  "unknown variant|--source v1.5.1 --variant bogus"
  "missing source|--source $tmp/nowhere --variant shipped"
  "unknown release|--source v0.0.1 --variant shipped"
  "unreadable tarball|--source $tmp/bogus.tar.gz --variant shipped"
  "variant absent for 1.1|--source v1.1.15 --variant memfd"
)
for case in "${bad_cases[@]}"; do
  what=${case%%|*}
  read -r -a args <<<"${case#*|}"
  set +e
  "$build" "${args[@]}" "${cache_args[@]}" >"$tmp/bad.out" 2>"$tmp/bad.err"
  code=$?
  set -e
  lines=$(wc -l <"$tmp/bad.err")
  if [ "$code" = 2 ] && [ "$lines" = 1 ] && [ ! -s "$tmp/bad.out" ]; then
    pass "bad input ($what) exits 2: $(cat "$tmp/bad.err")"
  else
    fail "bad input ($what): exit $code, $lines line(s) on stderr: $(head -n 3 "$tmp/bad.err")"
  fi
done

# --- the bundle -----------------------------------------------------------------------------
sealbench="$repo/target/release/sealbench"
if [ ! -x "$sealbench" ]; then
  echo "building sealbench (cargo, under /tmp/sealbench-cargo.lock)" >&2
  (cd "$repo" && flock /tmp/sealbench-cargo.lock cargo build --release -p sealbench --quiet)
fi
bundle="$tmp/bundle"
"$sealbench" bundle create "$bundle" >/dev/null

# --- the five builds --------------------------------------------------------------------------
# name|source|variant|exe (regex; HOST = the binary's own path)|fs type (HOST = the binary's)|seal line|pages
cases=(
  "1.5.1-shipped|v1.5.1|shipped|^/runc\$|overlayfs|runc exeseal: using overlayfs for sealed /proc/self/exe|shared"
  "1.5.1-noclone|v1.5.1|noclone|HOST|HOST|runc exeseal: not sealing /proc/self/exe (sealbench variant noclone)|shared"
  "1.5.1-memfd|v1.5.1|memfd|^/memfd:runc_cloned:/proc/self/exe \\(deleted\\)\$|tmpfs|runc exeseal: using sealed memfd copy of /proc/self/exe (sealbench variant memfd)|independent"
  "1.5.1-overlayfs|v1.5.1|overlayfs|^/runc\$|overlayfs|runc exeseal: using overlayfs for sealed /proc/self/exe (sealbench variant overlayfs, no fallback)|shared"
  "1.1.15-shipped|v1.1.15|shipped|^/memfd:runc_cloned:/proc/self/exe \\(deleted\\)\$|tmpfs||independent"
)
timings=()
n=0
for case in "${cases[@]}"; do
  IFS='|' read -r name source variant want_exe want_fs want_line want_pages <<<"$case"
  n=$((n + 1))

  start=$(now)
  if ! bin=$("$build" --source "$source" --variant "$variant" "${cache_args[@]}" 2>"$tmp/build.err" | tail -n 1); then
    fail "$name: build-runc.sh failed: $(tail -n 3 "$tmp/build.err")"
    continue
  fi
  first=$(since "$start")
  how=built
  grep -q '^build-runc: cached:' "$tmp/build.err" && how=cached
  if [ -x "$bin" ] && [ -f "$(dirname "$bin")/provenance.json" ]; then
    pass "$name: $how in $first s: $bin"
  else
    fail "$name: no binary or provenance.json at '$bin'"
    continue
  fi
  printf '%s' "$bin" >"$tmp/runc-of-$n"

  start=$(now)
  again=$("$build" --source "$source" --variant "$variant" "${cache_args[@]}" 2>"$tmp/build.err" | tail -n 1)
  second=$(since "$start")
  if [ "$again" = "$bin" ] && grep -q '^build-runc: cached:' "$tmp/build.err" &&
    awk -v s="$second" 'BEGIN { exit !(s < 5) }'; then
    pass "$name: second call cached in $second s, same path"
  else
    fail "$name: second call took $second s, gave '$again': $(tail -n 2 "$tmp/build.err")"
  fi
  timings+=("$(printf '%-16s first call %6s s (%s), second call %4s s' "$name" "$first" "$how" "$second")")

  id="sbtest-$$-$n"
  run_ids+=("$id")
  if "$bin" --root "$tmp/root" run --bundle "$bundle" "$id" </dev/null >"$tmp/run.out" 2>&1; then
    pass "$name: runs the default bundle (exit 0)"
  else
    fail "$name: runc run failed: $(tail -n 3 "$tmp/run.out")"
  fi

  if ! "$observe" "$bin" "$bundle" "sbobs-$$-$n" >"$tmp/obs" 2>"$tmp/obs.err"; then
    fail "$name: observation failed: $(tail -n 3 "$tmp/obs.err")"
    continue
  fi
  exe=$(sed -n 's/^exe=//p' "$tmp/obs")
  fstype=$(sed -n 's/^fstype=//p' "$tmp/obs")
  line=$(sed -n 's/^seal_line=//p' "$tmp/obs")
  pages=$(sed -n 's/^pages=//p' "$tmp/obs")
  detail=$(sed -n 's/^pages_detail=//p' "$tmp/obs")
  if [ "$want_fs" = HOST ]; then want_fs=$(stat -f -c %T "$bin"); fi
  problems=()
  if [ "$want_exe" = HOST ]; then
    [ "$exe" = "$bin" ] || problems+=("exe '$exe' is not $bin")
  else
    [[ $exe =~ $want_exe ]] || problems+=("exe '$exe' !~ $want_exe")
  fi
  [ "$fstype" = "$want_fs" ] || problems+=("fs '$fstype' != $want_fs")
  [ "$line" = "$want_line" ] || problems+=("seal line '$line' != '$want_line'")
  [ "$pages" = "$want_pages" ] || problems+=("pages $pages != $want_pages ($detail)")
  if [ ${#problems[@]} -eq 0 ]; then
    pass "$name: init exe $exe on $fstype, pages $pages ($detail), line '${line:-none}'"
  else
    fail "$name: ${problems[*]}"
  fi
done

echo
echo "timings (${cache_args[1]:-default cache}):"
printf '  %s\n' "${timings[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
