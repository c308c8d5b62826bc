#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""counts.py - `make test-real`, counts part: real programs give the same total
allocs and frees under the shim as under an independent counting preload
(tests/tools/countalloc.c), exactly where the program is deterministic, within
a stated tolerance for node (its threads and garbage collector vary).

Usage: tests/real/counts.py [CASE...]   (default: every case)
HEAPTAG_BUILD: the build directory (default ./build).
HEAPTAG_COUNTS_FLAGS: the shim's flag sets, each case under each (default
"+ptg +ptg+ust": a stack walked or repeated must count as a site does).

Each case runs once under each preload alone with the same environment: the
two libraries are reached through symlinks of the same length (programs copy
their environment), hash seeds are fixed. Where the program's own count
depends on its address layout (clang++: the shim's 16-byte headers move every
block, and a run differs from another by about 0.01%) or on its threads
(node), the case also runs "stacked": the shim first and the counting preload
behind it in one process, which must then see exactly the blocks the shim
counted: every allocation that reached the allocator was counted, and no
block of the shim's own reached it as the program's. The shim's totals
are the sums over every row of the kept segment, read with `heaptag mon -n 1
--format csv`; its segment must be counting (not passive) and have no frees
of blocks from before it started. What is left out and why: see
tests/integration/test_counts.c. A zero count fails."""
import csv
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("HEAPTAG_BUILD", os.path.join(ROOT, "build")))
TOOL = os.path.join(BUILD, "heaptag")
FLAG_SETS = os.environ.get("HEAPTAG_COUNTS_FLAGS", "+ptg +ptg+ust").split()
SEG_MAGIC = 0x3147415450414548


def cases(work):
    """name -> (argv, extra env, tolerance in percent (0: exact, None: stacked
    and exact), minimum allocs)."""
    py = "/usr/bin/python3"
    dicts = os.path.join(ROOT, "bench", "work", "dicts.py")
    c = {
        "nopie_fnptr": ([os.path.join(BUILD, "tests", "progs", "fnptr_nopie")], {}, 0, 120),
        "python3": ([py, dicts, "20000"], {}, 0, 1000),
        "python3_pymalloc_off": ([py, dicts, "20000"], {"PYTHONMALLOC": "malloc"}, 0, 100000),
        "perl": (["/usr/bin/perl", os.path.join(ROOT, "bench", "work", "hashes.pl"), "50000"],
                 {}, 0, 10000),
        "sqlite3": (["/usr/bin/sqlite3", os.path.join(work, "db.sqlite"),
                     ".read " + os.path.join(HERE, "workload.sql")], {}, 0, 10000),
        "git_log": (["/usr/bin/git", "-C", os.path.join(work, "repo"), "log", "--stat",
                     "--format=%H %s"], {}, 0, 1000),
    }
    if shutil.which("clang++"):
        src = os.path.join(ROOT, "tests", "progs", "cxx_containers.cpp")
        cl = [shutil.which("clang++"), "-O2", "-std=c++17", "-I" + os.path.join(ROOT, "include"),
              "-c", src, "-o", os.path.join(work, "c.o")]
        c["clang++_O2"] = (["setarch", "-R"] + cl, {}, 0.05, 100000)
        c["clang++_O2_stacked"] = (cl, {}, None, 100000)
    if shutil.which("node"):
        js = [shutil.which("node"), os.path.join(ROOT, "bench", "work", "mapbuf.js"), "20000"]
        c["node"] = (js, {}, 1.0, 20000)
        c["node_stacked"] = (js, {}, None, 20000)
    return c


def prepare(work):
    """A small git repository to read (made without any preload)."""
    repo = os.path.join(work, "repo")
    env = dict(os.environ, GIT_AUTHOR_DATE="2000-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2000-01-01T00:00:00Z", GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t", HOME=work)
    env.pop("LD_PRELOAD", None)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], env=env, check=True)
    for i in range(20):
        with open(os.path.join(repo, "f%d" % (i % 5)), "w") as f:
            f.write("".join("line %d %d\n" % (i, k) for k in range(i * 40)))
        subprocess.run(["git", "-C", repo, "add", "-A"], env=env, check=True)
        subprocess.run(["git", "-C", repo, "commit", "-q", "-m", "c%d" % i], env=env, check=True)


def run(work, lib, argv, extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HEAPTAG_", "PYTHON", "PERL", "LD_PRELOAD", "MALLOC"))}
    env.update({"LD_PRELOAD": ":".join(os.path.join(work, x) for x in lib.split(":")),
                "COUNTALLOC_OUT": os.path.join(work, "cs" if lib == "libshim.so" else "cc"),
                "HEAPTAG_KEEP": "1", "HEAPTAG_FLAGS": "+ptg", "PYTHONHASHSEED": "0",
                "PERL_HASH_SEED": "0", "PERL_PERTURB_KEYS": "0", "LC_ALL": "C", "TZ": "UTC",
                "HOME": work, "GIT_CONFIG_NOSYSTEM": "1"})
    env.update(extra)
    db = os.path.join(work, "db.sqlite")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    p = subprocess.Popen(argv, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=600)
    if p.returncode != 0:
        raise RuntimeError("%s under %s: status %d: %s" % (argv[0], lib, p.returncode,
                                                          err.decode(errors="replace")[-500:]))
    return p.pid, out


def preload_totals(work, pid):
    """The counting preload's file of pid; no other process may have written one."""
    files = [f for f in os.listdir(work) if f.startswith("cc.")]
    if files != ["cc.%d" % pid]:
        raise RuntimeError("more than one process counted: %s" % files)
    path = os.path.join(work, files[0])
    with open(path, "rb") as f:
        a, fr = struct.unpack("=QQ", f.read(16))
    os.unlink(path)
    return a, fr


def segment_path(pid):
    try:
        ns = os.stat("/proc/self/ns/pid").st_ino
        p = "/dev/shm/heaptag.%d.%d" % (ns, pid)
        if os.path.exists(p):
            return p
    except OSError:
        pass
    return "/dev/shm/heaptag.%d" % pid


def shim_totals(pid):
    path = segment_path(pid)
    with open(path, "rb") as f:
        h = f.read(2048)
    magic, = struct.unpack_from("=Q", h, 0)
    mode, = struct.unpack_from("=I", h, 76)
    if magic != SEG_MAGIC:
        raise RuntimeError("pid %d: no segment" % pid)
    if mode != 0:
        raise RuntimeError("pid %d: the shim stood aside (passive)" % pid)
    out = subprocess.run([TOOL, "mon", "-p", str(pid), "-n", "1", "--format", "csv"],
                         capture_output=True, text=True, check=True).stdout
    prom = subprocess.run([TOOL, "export", "--prometheus", "-p", str(pid)],
                          capture_output=True, text=True, check=True).stdout
    untracked = sum(int(line.split()[-1]) for line in prom.splitlines()
                    if line.startswith(("heaptag_untracked_frees_total",
                                        "heaptag_untracked_reallocs_total")))
    a = fr = 0
    for row in csv.DictReader(io.StringIO(out)):
        if row["type"] not in ("End", "Passive"):
            a += int(row["allocs"])
            fr += int(row["frees"])
    os.unlink(path)
    return a, fr, untracked


def main():
    work = tempfile.mkdtemp(prefix="heaptag-counts.")
    try:
        os.symlink(os.path.join(BUILD, "libheaptag.so"), os.path.join(work, "libshim.so"))
        os.symlink(os.path.join(BUILD, "tests", "tools", "libcountalloc.so"),
                   os.path.join(work, "libcnta.so"))
        prepare(work)
        all_cases = cases(work)
        names = sys.argv[1:] or list(all_cases)
        fails = 0
        for flags, name in [(f, n) for f in FLAG_SETS for n in names]:
            if name not in all_cases:
                print("SKIP %s: not available" % name)
                continue
            argv, extra, tol, least = all_cases[name]
            extra = dict(extra, HEAPTAG_FLAGS=flags)
            for f in os.listdir(work):
                if f.startswith(("cc.", "cs.")):
                    os.unlink(os.path.join(work, f))
            try:
                if tol is None:  # stacked: one run, the shim in front
                    spid, sout = run(work, "libshim.so:libcnta.so", argv, extra)
                    cout = sout
                    want = preload_totals(work, spid)
                    tol = 0
                else:
                    cpid, cout = run(work, "libcnta.so", argv, extra)
                    want = preload_totals(work, cpid)
                    spid, sout = run(work, "libshim.so", argv, extra)
                got = shim_totals(spid)
                for f in os.listdir(work):
                    if f.startswith("cs."):
                        os.unlink(os.path.join(work, f))
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                print("FAIL %s %s: %s" % (name, flags, e))
                fails += 1
                continue
            bad = []
            if want[0] < least:
                bad.append("only %d allocations counted by the preload" % want[0])
            if got[2]:
                bad.append("%d untracked frees/reallocs" % got[2])
            for what, g, w in (("allocs", got[0], want[0]), ("frees", got[1], want[1])):
                off = abs(g - w) * 100.0 / max(w, 1)
                if (tol == 0 and g != w) or off > tol:
                    bad.append("%s %d, counting preload %d (%.3f%%, allowed %g%%)"
                               % (what, g, w, off, tol))
            if tol == 0 and sout != cout:
                bad.append("output differs")
            if bad:
                print("FAIL %s %s: %s" % (name, flags, "; ".join(bad)))
                fails += 1
            else:
                print("ok   %s %s: %d allocs, %d frees%s" % (name, flags, got[0], got[1],
                      "" if tol == 0 else " (preload %d, %d; within %g%%)"
                      % (want[0], want[1], tol)))
        print("counts: %d cases under %s, %d failed" % (len(names), " and ".join(FLAG_SETS), fails))
        return 1 if fails else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
