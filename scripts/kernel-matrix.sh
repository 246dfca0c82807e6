#!/usr/bin/env bash
# The kernels users run: boot Debian's 6.1, 6.12 and 6.18 kernels under QEMU (virtme-ng,
# software emulation) and run sealbench's steps inside each guest against the built binary.
#
#   scripts/kernel-matrix.sh [--kernels 6.1,6.12,6.18] [--steps list,audit[,compare]]
#                            [--out DIR] [--compare-args "ARGS"] [--kvm]
#
# As root on a Debian machine of this project's kind. It installs what it needs and caches
# it in $SEALBENCH_KERNEL_CACHE (default /var/cache/sealbench-kernels):
#   - QEMU 10 (qemu-system-x86 from <release>-backports; bookworm's own 7.2 would remove
#     the qemu-utils 10 this machine has) and kmod (virtme-ng resolves modules with it),
#     through a private apt sources list: /etc/apt is never changed;
#   - virtme-ng 1.42 from PyPI, in a venv;
#   - the newest Debian kernel image of each series, resolved at run time (Debian drops
#     old ABI versions), fetched with `apt-get download` and unpacked with `dpkg-deb -x`,
#     never installed (installing pulls in initramfs-tools and udev).
# Each kernel boots with `vng --disable-kvm`: /dev/kvm here is PVM (kvm_pvm), which cannot
# run stock kernels. On a runner with real nested virtualization, --kvm boots with KVM. vng exits 255 and drops the guest's stdout, so the guest writes its outputs and
# exit codes into a shared --rwdir. Per kernel, DIR/<release>/ gets list.txt, audit.json
# (+ audit.txt, audit.log), compare.json when asked, and exit-status (one "step code" line
# each). The script prints a kernel x strategy table (also DIR/matrix.md) and exits 1 when
# a step fails, a guest gives no answer, the audit differs from what each strategy records
# for that kernel, or (compare) mount events of a kernel without fanotify mount events are
# put in the exact field.
#
# Timings taken in these guests are not measurements of anything: software emulation is
# 25-45x slower and moves by half between boots. compare.json is labelled as such, and
# the manual's matrix (docs/src/kernels.md) holds support and audit outcomes only.
#
# Idempotent: downloads are cached; DIR/<release>/ is rewritten. With LOCK=FILE every guest
# boot (and a build, if the binary is missing) holds `flock FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

kernels=6.1,6.12,6.18
steps=list,audit
out=results/kernels
compare_args="--strategies all --runs 20"
accel=--disable-kvm
while [ $# -gt 0 ]; do
  case $1 in
    --kernels) kernels=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --compare-args) compare_args=$2; shift 2 ;;
    --kvm) accel=; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kernel-matrix: unknown argument $1" >&2; exit 2 ;;
  esac
done
for s in ${steps//,/ }; do
  case $s in list|audit|compare) ;; *) echo "kernel-matrix: unknown step $s" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "kernel-matrix: run as root" >&2; exit 2; }
[ "$(uname -m)" = x86_64 ] || { echo "kernel-matrix: x86-64 only (Debian amd64 images)" >&2; exit 2; }

cache=${SEALBENCH_KERNEL_CACHE:-/var/cache/sealbench-kernels}
mkdir -p "$cache" "$out"
out=$(cd "$out" && pwd)
locked() { if [ -n "${LOCK:-}" ]; then flock "$LOCK" "$@"; else "$@"; fi; }
started=$(date +%s)
say() { printf '[kernel-matrix %4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

# --- apt, privately -----------------------------------------------------------------------
# Two private configurations: "host" installs QEMU and kmod from this machine's release and
# its backports; "kernels" only downloads, from bookworm, trixie and trixie-backports, with
# an empty dpkg status so that it never plans against what is installed.
. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
apt_conf() { # NAME -> the -o options of a private apt configuration under $cache/apt-NAME
  local d=$cache/apt-$1
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  printf '%s\n' -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=/dev/null" \
    -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "APT::Sandbox::User=root"
}
mapfile -t HOST_APT < <(apt_conf host)
mapfile -t KERNEL_APT < <(apt_conf kernels)
KERNEL_APT+=(-o "Dir::State::Status=/dev/null")
cat > "$cache/apt-host/sources.list" <<EOF
deb http://deb.debian.org/debian $codename main
deb http://deb.debian.org/debian $codename-updates main
deb http://deb.debian.org/debian-security $codename-security main
deb http://deb.debian.org/debian $codename-backports main
EOF
cat > "$cache/apt-kernels/sources.list" <<EOF
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian-security trixie-security main
deb http://deb.debian.org/debian trixie-backports main
EOF

# --- QEMU, kmod, virtme-ng ----------------------------------------------------------------
qemu_major() { qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'; }
need=()
[ "$(qemu_major)" -ge 10 ] 2>/dev/null || need+=(qemu-system-x86)
command -v modprobe >/dev/null || [ -x /sbin/modprobe ] || need+=(kmod)
command -v busybox >/dev/null || need+=(busybox-static)
command -v file >/dev/null || need+=(file)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} (private sources list: $codename, $codename-backports)"
  apt-get "${HOST_APT[@]}" -qq update
  DEBIAN_FRONTEND=noninteractive apt-get "${HOST_APT[@]}" -qq install -y \
    --no-install-recommends -t "$codename-backports" "${need[@]}" > "$cache/apt-host/install.log"
fi
[ "$(qemu_major)" -ge 10 ] || { echo "kernel-matrix: QEMU 10 is needed, have: $(qemu_major)" >&2; exit 1; }
export PATH=$PATH:/usr/sbin:/sbin
venv=$cache/venv
if [ "$("$venv/bin/vng" --version 2>/dev/null)" != "virtme-ng 1.42" ]; then
  say "installing virtme-ng 1.42 (PyPI) into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q virtme-ng==1.42
fi
export PATH=$venv/bin:$PATH

# --- kernels ------------------------------------------------------------------------------
say "resolving kernel images"
apt-get "${KERNEL_APT[@]}" -qq update || say "apt-get update failed; using the lists cached before"
# The newest image of a series: Debian's 6.1 is linux-image-6.1.0-<abi>-amd64; later
# series are linux-image-<version>+deb<N>[.<n>]-amd64. Highest candidate version wins.
resolve() { # SERIES -> "package version"
  local series=$1 names
  names=$(apt-cache "${KERNEL_APT[@]}" search --names-only "^linux-image-${series//./\\.}[.-]" \
    | awk '{print $1}' \
    | grep -E "^linux-image-${series//./\\.}(\.0-[0-9]+|\.[0-9]+\+deb[0-9]+(\.[0-9]+)?)-amd64$" || true)
  [ -n "$names" ] || return 1
  # shellcheck disable=SC2086
  apt-cache "${KERNEL_APT[@]}" policy $names | awk '
    /^[^ ]/ { pkg = $1; sub(":$", "", pkg) }
    $1 == "Candidate:" && $2 != "(none)" { print $2, pkg }' | sort -V | tail -1 | awk '{print $2, $1}'
}
declare -A image release package moddir
for k in ${kernels//,/ }; do
  read -r pkg ver < <(resolve "$k") || { echo "kernel-matrix: no Debian image of Linux $k" >&2; exit 1; }
  # No '~' in the directory's name (backports' versions have one): vng refuses it in the
  # --rodir that shares the image's modules with the guest.
  name=${pkg}_${ver//\~/_}
  dir=$cache/kernels/$name
  if ! ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
    say "fetching $pkg $ver"
    mkdir -p "$cache/debs"
    rm -f "$cache/debs/${pkg}"_*.deb
    (cd "$cache/debs" && apt-get "${KERNEL_APT[@]}" -qq download "$pkg=$ver")
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    dpkg-deb -x "$cache/debs/${pkg}"_*.deb "$dir.partial"
    rm -f "$cache/debs/${pkg}"_*.deb
    mv "$dir.partial" "$dir"
  fi
  # Older images of the same series are not used again.
  for old in "$cache"/kernels/linux-image-*; do
    [ -e "$old" ] || continue
    b=${old##*/}
    [ "$b" = "$name" ] && continue
    [[ $b =~ ^linux-image-${k//./\\.}(\.0-[0-9]+|\.[0-9]+\+deb[0-9.]+)-amd64_ ]] && rm -rf "$old"
  done
  image[$k]=$(ls "$dir"/boot/vmlinuz-*)
  # The image's modules, for the guest's modprobe (loop and xfs, for reflink). vng links
  # the guest's /lib/modules/<release> to this directory, which the guest's tmpfs over
  # /var/cache hides: it is shared with the guest at its own path (--rodir below). A
  # Debian package ships no modules.dep (its postinst makes one): made here, in the cache.
  # Debian 13's packages have them under usr/ (merged /usr), 12's under lib/.
  mods=
  for m in "$dir"/lib/modules/* "$dir"/usr/lib/modules/*; do
    if [ -d "$m" ]; then mods=$m; break; fi
  done
  [ -e "$mods/modules.dep" ] || depmod -b "${mods%/lib/modules/*}" "${mods##*/}"
  moddir[$k]=$mods
  release[$k]=${image[$k]##*/vmlinuz-}
  package[$k]="$pkg $ver"
  say "Linux $k: $pkg $ver (uname -r: ${release[$k]})"
done

# --- the binary ---------------------------------------------------------------------------
sb=$repo/target/release/sealbench
if [ ! -x "$sb" ]; then
  say "building target/release/sealbench"
  locked cargo build --release --quiet
fi

# --- one guest per kernel -----------------------------------------------------------------
# The guest sees the host's root read-only (with tmpfs over /var/cache, /tmp and the like,
# so nothing under $cache is visible there) and each kernel's $stage/<release> read-write:
# the guest script is copied in there. It runs each step as root, writing the step's
# outputs and `<step>.rc` beside itself.
stage=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cat > "$stage/guest.sh" <<'EOF'
#!/bin/sh
# Runs inside the guest: $1 is the shared directory, $2 the binary (a copy in it), the
# rest the steps.
dir=$1 sb=$2; shift 2
uname -r > "$dir/uname"
# A Debian host has /dev/loop-control from the start (kmod's static nodes; opening it loads
# the module); a guest without udev or systemd-tmpfiles has not, so the loop module (for
# reflink's image) is loaded as the host would, and xfs with it.
modprobe -q loop 2>/dev/null; modprobe -q xfs 2>/dev/null
for step in "$@"; do
  case $step in
    list) "$sb" list > "$dir/list.txt" 2> "$dir/list.log" ;;
    audit) "$sb" audit --workload exec-true --export-json "$dir/audit.json" > "$dir/audit.txt" 2> "$dir/audit.log" ;;
    compare) "$sb" compare --quiet $COMPARE_ARGS --export-json "$dir/compare.json" \
               > "$dir/compare.txt" 2> "$dir/compare.log" ;;
  esac
  echo $? > "$dir/$step.rc"
done
echo done > "$dir/finished"
EOF
chmod +x "$stage/guest.sh"

fail=0
for k in ${kernels//,/ }; do
  rel=${release[$k]}
  dest=$out/$rel
  work=$stage/$rel
  mkdir -p "$work"
  cp "$stage/guest.sh" "$work/guest.sh"
  # The binary runs from a writable filesystem, as an installed one does: the audit's
  # write-parent-exe opens sealbench's own /proc/<pid>/exe for writing, and on the guest's
  # read-only view of the host the kernel answers EROFS before it gets to ETXTBSY.
  cp "$sb" "$work/sealbench"
  say "booting Linux $rel: ${steps//,/ }"
  t0=$(date +%s)
  # vng exits 255 whatever the guest did; the files in $work are the answer.
  locked timeout 3600 vng --run "${image[$k]}" $accel \
    --rodir "${moddir[$k]}" \
    --cpus 2 --memory 4G --rwdir "$work" --cwd "$repo" \
    --exec "COMPARE_ARGS='$compare_args' sh $work/guest.sh $work $work/sealbench ${steps//,/ }" \
    > "$work/vng.log" 2>&1 || true
  say "Linux $rel: guest done in $(( $(date +%s) - t0 )) s"
  rm -rf "$dest"
  mkdir -p "$dest"
  if [ ! -e "$work/finished" ] || [ "$(cat "$work/uname" 2>/dev/null)" != "$rel" ]; then
    echo "kernel-matrix: Linux $rel: the guest gave no answer; its console:" >&2
    tail -20 "$work/vng.log" >&2
    cp "$work/vng.log" "$dest/vng.log"
    fail=1
    continue
  fi
  echo "${package[$k]}" > "$dest/kernel"
  : > "$dest/exit-status"
  for s in ${steps//,/ }; do
    code=$(cat "$work/$s.rc")
    echo "$s $code" >> "$dest/exit-status"
    [ "$code" = 0 ] || { echo "kernel-matrix: Linux $rel: $s exited $code" >&2; fail=1; }
  done
  for f in list.txt list.log audit.json audit.txt audit.log compare.json compare.txt compare.log; do
    if [ -s "$work/$f" ]; then cp "$work/$f" "$dest/$f"; fi
  done
  if [ -e "$dest/compare.json" ] && [ -n "$accel" ]; then
    cat > "$dest/compare.EMULATED" <<EOF
compare.json was measured inside QEMU with software emulation (TCG), not on hardware.
Its timings must not be compared with any other run, this kernel's or another's: the
manual's Kernels page (docs/src/kernels.md) says how far off they were here.
EOF
  fi
done

# --- checks and the table -----------------------------------------------------------------
ordered=()
for k in ${kernels//,/ }; do ordered+=("${release[$k]}"); done
set +e
python3 - "$out" "$steps" "${ordered[@]}" <<'PY'
import json, os, re, sys

out, steps = sys.argv[1], sys.argv[2].split(",")
releases = sys.argv[3:]
bad = []
support, audit = {}, {}
strategies = []
for rel in releases:
    d = os.path.join(out, rel)
    if os.path.exists(os.path.join(d, "list.txt")):
        for line in open(os.path.join(d, "list.txt")):
            m = re.match(r"^(\S+)\s+(supported|unsupported: .*)$", line.rstrip("\n"))
            if m:
                name, status = m.groups()
                if name not in strategies:
                    strategies.append(name)
                support[rel, name] = status
    elif "list" in steps:
        bad.append(f"{rel}: no list.txt")
    if "audit" in steps:
        path = os.path.join(d, "audit.json")
        if not os.path.exists(path):
            bad.append(f"{rel}: no audit.json")
            continue
        report = json.load(open(path))
        differs = {}
        log = os.path.join(d, "audit.log")
        for line in open(log) if os.path.exists(log) else []:
            m = re.match(r"^differs: ([^/:]+)[/:]", line)
            if m:
                differs[m.group(1)] = differs.get(m.group(1), 0) + 1
                # Which cell and what it was, where CI shows it.
                print(f"kernel-matrix: {rel}: {line.rstrip()}", file=sys.stderr)
        seen = []
        for f in report["results"]:
            if f["strategy"] not in seen:
                seen.append(f["strategy"])
        for name in seen:
            if name not in strategies:
                strategies.append(name)
            cells = [f for f in report["results"] if f["strategy"] == name]
            na = all(f["outcome"] == "not-applicable" for f in cells)
            if differs.get(name):
                audit[rel, name] = f"differs ({differs[name]})"
            else:
                audit[rel, name] = "n/a, as expected" if na else "matches"
        missing = [s for s in strategies if s not in seen]
        if missing:
            bad.append(f"{rel}: audit.json lacks {', '.join(missing)}")
        if differs:
            bad.append(f"{rel}: audit differs from the record for " + ", ".join(sorted(differs)))
    if "compare" in steps:
        path = os.path.join(d, "compare.json")
        if not os.path.exists(path):
            bad.append(f"{rel}: no compare.json")
            continue
        rows = [r for r in json.load(open(path))["results"]
                if r.get("strategy") == "bind-ro-host" and r.get("status") == "ok"]
        for r in rows:
            method = r.get("mount_events_method")
            if method == "fanotify":
                if "mountinfo_wakeups_per_start" in r or r.get("mount_events_per_start") is None:
                    bad.append(f"{rel}: fanotify, but no exact mount event count")
            elif method is not None:
                if "mount_events_per_start" in r:
                    bad.append(f"{rel}: {method} filled the exact mount event field")
                if r.get("mountinfo_wakeups_bound") != "lower" or r.get("mountinfo_wakeups_per_start") is None:
                    bad.append(f"{rel}: {method} without a lower bound of mountinfo wake-ups")
            print(f"{rel}: bind-ro-host mount events per start: "
                  + (f"{r['mount_events_per_start']} (exact, {method})" if "mount_events_per_start" in r
                     else f"at least {r.get('mountinfo_wakeups_per_start')} ({method} wake-ups, a lower bound)"))

def cell(rel, name):
    s = support.get((rel, name), "")
    parts = []
    if s:
        parts.append("supported" if s == "supported" else s.replace("|", "\\|"))
    if (rel, name) in audit:
        parts.append("audit " + audit[rel, name])
    return "; ".join(parts) or "–"

def header(rel):
    try:
        pkg, ver = open(os.path.join(out, rel, "kernel")).read().split()
        return f"Linux {ver} (`{rel}`)"
    except (OSError, ValueError):
        return f"Linux `{rel}`"

lines = ["| strategy | " + " | ".join(header(r) for r in releases) + " |",
         "|:---|" + ":---|" * len(releases)]
for name in strategies:
    lines.append(f"| `{name}` | " + " | ".join(cell(r, name) for r in releases) + " |")
table = "\n".join(lines) + "\n"
if "list" in steps or "audit" in steps:
    open(os.path.join(out, "matrix.md"), "w").write(table)
    print(table)
for b in bad:
    print("kernel-matrix: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
checked=$?
set -e
[ "$checked" = 0 ] || fail=1
say "total $(( $(date +%s) - started )) s; $( [ $fail = 0 ] && echo 'every step passed' || echo 'FAILED' )"
exit $fail
