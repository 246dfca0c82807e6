#!/usr/bin/env bash
# What does a runc binary make "runc init" execute? Creates one container (not started),
# looks at its init process, deletes it, and prints key=value lines on stdout:
#
#   exe=        readlink /proc/INIT/exe ("/runc" through a private overlayfs, the host
#               path with no sealing, "/memfd:runc_cloned:/proc/self/exe (deleted)" for a copy)
#   fstype=     stat -L -f of /proc/INIT/exe (overlayfs, tmpfs for a memfd, the host's fs)
#   seal_line=  the first "runc exeseal: ..." debug message other than the generic
#               "using /proc/self/exe clone"; else 1.5's "could not use overlayfs ..."
#               fallback message; else empty (runc 1.1 logs none)
#   pages=      shared | independent | mixed: whether the resident text pages of
#               /proc/INIT/exe are the host binary's page-cache frames (scripts/exe-pages.py)
#   pages_detail= resident/same-frame page counts
#
#   scripts/runc-seal-observe.sh RUNC BUNDLE [ID]
#
# Root only (runc, and page frame numbers). Exits 1 if the container could not be created
# or anything of it (process, mount, cgroup, state) is left after the delete.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: runc-seal-observe.sh RUNC BUNDLE [ID]" >&2
  exit 2
fi
runc=$(realpath -- "$1")
bundle=$(realpath -- "$2")
id=${3:-sbobs-$$}
[ -x "$runc" ] || { echo "runc-seal-observe: $1 is not an executable" >&2; exit 2; }
[ -f "$bundle/config.json" ] || { echo "runc-seal-observe: $2 has no config.json" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "runc-seal-observe: needs root" >&2; exit 1; }

state=$(mktemp -d "${TMPDIR:-/tmp}/sealbench-observe.XXXXXX")
pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$runc" --root "$state/root" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf -- "$state"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The init process inherits create's stdio and holds it until the delete: never a pipe here.
if ! "$runc" --root "$state/root" --debug --log "$state/log" create --bundle "$bundle" "$id" \
  </dev/null >"$state/out" 2>&1; then
  echo "runc-seal-observe: $runc create failed:" >&2
  cat "$state/out" >&2
  grep -o 'msg="[^"]*"' "$state/log" 2>/dev/null | tail -n 5 >&2 || true
  exit 1
fi
pid=$("$runc" --root "$state/root" state "$id" | sed -n 's/^ *"pid": *\([0-9][0-9]*\),*$/\1/p')
if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
  echo "runc-seal-observe: no init pid for $id" >&2
  exit 1
fi

exe=$(readlink "/proc/$pid/exe")
fstype=$(stat -L -f -c %T "/proc/$pid/exe")
messages=$(grep -o 'msg="[^"]*"' "$state/log" | sed 's/^msg="//; s/"$//' || true)
seal_line=$(grep '^runc exeseal: ' <<<"$messages" |
  grep -vx 'runc exeseal: using /proc/self/exe clone' | head -n 1 || true)
if [ -z "$seal_line" ]; then
  # 1.5.1 as shipped says only this when its overlayfs fails and it copies instead.
  seal_line=$(grep -m1 '^could not use overlayfs for /proc/self/exe sealing' <<<"$messages" || true)
fi
pages_json=$(python3 "$here/exe-pages.py" "$pid" "$runc")
verdict=$(sed -n 's/.*"verdict": "\([a-z-]*\)".*/\1/p' <<<"$pages_json")
resident=$(sed -n 's/.*"resident_pages": \([0-9]*\).*/\1/p' <<<"$pages_json")
same=$(sed -n 's/.*"same_frame_pages": \([0-9]*\).*/\1/p' <<<"$pages_json")

"$runc" --root "$state/root" delete --force "$id" >/dev/null
for _ in $(seq 50); do
  [ -d "/proc/$pid" ] || break
  sleep 0.1
done
left=()
[ ! -d "/proc/$pid" ] || left+=("process $pid")
if grep -qF -- "$state" /proc/self/mountinfo; then left+=("mounts under $state"); fi
while IFS= read -r cg; do left+=("cgroup $cg"); done < <(find /sys/fs/cgroup -maxdepth 6 -type d -name "$id" 2>/dev/null)
[ ! -e "$state/root/$id" ] || left+=("state $state/root/$id")
if [ ${#left[@]} -gt 0 ]; then
  echo "runc-seal-observe: left after delete: ${left[*]}" >&2
  exit 1
fi

printf 'exe=%s\nfstype=%s\nseal_line=%s\npages=%s\npages_detail=%s of %s resident text pages on the host binary'"'"'s frames\n' \
  "$exe" "$fstype" "$seal_line" "$verdict" "$same" "$resident"
