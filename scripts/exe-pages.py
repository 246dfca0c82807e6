#!/usr/bin/env python3
"""Does process PID execute the host binary's own page-cache pages, or a copy?

    exe-pages.py PID HOST_BINARY

Prints one JSON object: /proc/PID/exe's link, how many of the resident pages of its
text (executable mappings) were compared with the same file offsets of HOST_BINARY mapped
here, how many had the same physical frame, and a verdict: "shared" (all of them: an
overlayfs or the binary itself), "independent" (none: a memfd or tmpfile copy) or
"mixed". Page frame numbers need root (CAP_SYS_ADMIN); without it the kernel reports
zeros and this exits 1 rather than guess.
"""
import ctypes
import json
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")
PRESENT = 1 << 63
PFN_MASK = (1 << 55) - 1


def pagemap(pid, vaddrs):
    """Page frame number of each virtual address, or None where the page is not resident."""
    out = []
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        for v in vaddrs:
            f.seek(v // PAGE * 8)
            (entry,) = struct.unpack("<Q", f.read(8))
            out.append(entry & PFN_MASK if entry & PRESENT else None)
    return out


def exe_text(pid, exe):
    """(start, end, file offset) of the executable mappings of exe.

    Only text: a PIE's relocated read-only data (RELRO) is a private copy even when the
    file's pages are shared, so counting it would turn every verdict into "mixed".
    """
    maps = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.rstrip("\n").split(maxsplit=5)
            if len(fields) < 6 or fields[5] != exe or fields[1][2] != "x":
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            maps.append((start, end, int(fields[2], 16)))
    return maps


def host_pfns(path, offsets):
    """Frames of the host binary's page cache at these offsets, through a read-only mapping."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        prot_read, map_shared = 1, 1
        base = libc.mmap(None, size, prot_read, map_shared, fd, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), f"mmap {path}")
        try:
            inside = [o for o in offsets if o < size]
            for o in inside:
                ctypes.string_at(base + o, 1)  # fault the page in
            frames = dict(zip(inside, pagemap("self", [base + o for o in inside])))
            return [frames.get(o) for o in offsets]
        finally:
            libc.munmap(base, size)
    finally:
        os.close(fd)


def main():
    if len(sys.argv) != 3:
        print("usage: exe-pages.py PID HOST_BINARY", file=sys.stderr)
        sys.exit(2)
    pid, host = sys.argv[1], sys.argv[2]
    exe = os.readlink(f"/proc/{pid}/exe")
    vaddrs, offsets = [], []
    for start, end, off in exe_text(pid, exe):
        for v in range(start, end, PAGE):
            vaddrs.append(v)
            offsets.append(off + (v - start))
    theirs = pagemap(pid, vaddrs)
    resident = [(o, p) for o, p in zip(offsets, theirs) if p is not None]
    if resident and all(p == 0 for _, p in resident):
        sys.exit("exe-pages: the kernel hides page frame numbers: run as root")
    ours = host_pfns(host, [o for o, _ in resident])
    same = sum(1 for (_, p), q in zip(resident, ours) if q is not None and p == q)
    verdict = ("none-resident" if not resident else
               "shared" if same == len(resident) else
               "independent" if same == 0 else "mixed")
    json.dump({"pid": int(pid), "exe": exe, "host": os.path.realpath(host),
               "mapped_pages": len(vaddrs), "resident_pages": len(resident),
               "same_frame_pages": same, "verdict": verdict}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
