# SPDX-License-Identifier: MIT
"""common.py - what the benchmark scripts share: paths, the modes (how a
command is run plain, under the pass-through preload, under heaptag, under
heaptrack), one timed run with its rusage, tables and CSV files.

It never changes the system: everything it writes goes under build/bench/ and
bench/results/.
"""
import csv
import io
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
WORK = os.path.join(BUILD, "bench")          # generated inputs, scratch files
RESULTS = os.path.join(ROOT, "bench", "results")
SHIM = os.path.join(BUILD, "libheaptag.so")
PASSTHRU = os.path.join(WORK, "libpassthru.so")
MICRO = os.path.join(WORK, "microbench")
MICRO_TAGGED = os.path.join(WORK, "microbench_tagged")
CXXMAP = os.path.join(WORK, "cxxmap")
CONTAINERS = os.path.join(WORK, "containers")
TURNS = os.path.join(WORK, "turns")
TOOL = os.path.join(BUILD, "heaptag")
# Debian's libjemalloc2: a faster allocator, alone and under the shim
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
# BENCH_ONLY=python3,node: only the workloads whose names contain one of these
ONLY = [w for w in os.environ.get("BENCH_ONLY", "").split(",") if w]


def wanted(name):
    return not ONLY or any(w in name for w in ONLY)

# mode name -> (description, extra environment, command prefix)
MODES = {
    "plain":    ("glibc malloc, nothing preloaded", {}, []),
    "passthru": ("bare pass-through preload", {"LD_PRELOAD": PASSTHRU}, []),
    "ptg-tag":  ("heaptag ptg, explicit tag (HEAPTAG_SCOPE)",
                 {"LD_PRELOAD": SHIM, "HEAPTAG_FLAGS": "+ptg"}, []),
    "ptg-site": ("heaptag ptg, by call site",
                 {"LD_PRELOAD": SHIM, "HEAPTAG_FLAGS": "+ptg"}, []),
    "ptg+ust":  ("heaptag ptg and ust (stack traces)",
                 {"LD_PRELOAD": SHIM, "HEAPTAG_FLAGS": "+ptg+ust"}, []),
    "heaptrack": ("heaptrack (Debian)", {},
                  ["heaptrack", "-o", os.path.join(WORK, "heaptrack", "out")]),
    "jemalloc": ("jemalloc alone (Debian's libjemalloc2)", {"LD_PRELOAD": JEMALLOC}, []),
    "ptg/jemalloc": ("heaptag ptg by call site over jemalloc",
                     {"LD_PRELOAD": SHIM + ":" + JEMALLOC, "HEAPTAG_FLAGS": "+ptg"}, []),
}


def base_env():
    """The environment of every run: ours, minus anything that would preload
    or configure a tool behind the benchmark's back."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "HEAPTAG_FLAGS", "HEAPTAG_KEEP", "HEAPTAG_ROWS",
                        "PYTHONMALLOC", "MALLOC_ARENA_MAX")}
    env["LC_ALL"] = "C"
    return env


def command_for(mode, argv, extra_env):
    """argv and environment of one workload run in one mode."""
    _, mode_env, prefix = MODES[mode]
    env = base_env()
    env.update(extra_env)
    env.update(mode_env)
    return prefix + argv, env


def shim_mode(mode):
    """1 when the mode runs the program under the shim."""
    return SHIM in MODES[mode][1].get("LD_PRELOAD", "").split(":")


class NotCounted(Exception):
    pass


SEG_MAGIC = 0x3147415450414548


def segment_file(pid):
    try:
        p = "/dev/shm/heaptag.%d.%d" % (os.stat("/proc/self/ns/pid").st_ino, pid)
        if os.path.exists(p):
            return p
    except OSError:
        pass
    return "/dev/shm/heaptag.%d" % pid


def counted_allocs(pid, label):
    """The allocations the shim counted in process pid, from its kept segment
    (read with `heaptag mon`, as a user would), which is then removed. Raises
    NotCounted when there is no segment, it is passive, or it counted nothing:
    a figure for a shim that did not count would measure nothing."""
    path = segment_file(pid)
    try:
        with open(path, "rb") as f:
            head = f.read(80)
    except OSError:
        raise NotCounted("%s: pid %d left no segment (%s): the shim did not run" %
                         (label, pid, path))
    try:
        magic, = struct.unpack_from("=Q", head, 0)
        mode, = struct.unpack_from("=I", head, 76)
        if magic != SEG_MAGIC:
            raise NotCounted("%s: pid %d: %s is not a segment" % (label, pid, path))
        if mode != 0:
            raise NotCounted("%s: pid %d is passive: the shim stood aside and counted "
                             "nothing" % (label, pid))
        r = subprocess.run([TOOL, "mon", "-p", str(pid), "-n", "1", "--format", "csv"],
                           capture_output=True, text=True)
        allocs = sum(int(row["allocs"]) for row in csv.DictReader(io.StringIO(r.stdout))
                     if row.get("type") not in ("End", "Passive"))
        if allocs == 0:
            raise NotCounted("%s: pid %d: the shim counted no allocation" % (label, pid))
        return allocs
    finally:
        for p in (path,):
            try:
                os.unlink(p)
            except OSError:
                pass


def keep_env(env):
    """The environment of a shim run the benchmark checks afterwards: its
    segment kept after exit (no cost while it runs)."""
    env = dict(env)
    env["HEAPTAG_KEEP"] = "1"
    return env


def callgrind_instructions(argv, env, options, label):
    """The instructions callgrind counts in one run of argv (its "Collected"
    line); options go to valgrind. label: the run is under the shim, and must
    have counted (counted_allocs). Exits the benchmark when callgrind fails,
    gives no count or the shim did not count."""
    p = subprocess.Popen(["valgrind", "--tool=callgrind"] + options + argv, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, stderr = p.communicate()
    if p.returncode != 0:
        sys.exit("bench: callgrind failed:\n" + stderr[-2000:])
    if label:  # valgrind runs the program in its own process
        try:
            counted_allocs(p.pid, label)
        except NotCounted as e:
            sys.exit("bench: refusing to report: %s" % e)
    m = re.search(r"Collected\s*:\s*(\d+)", stderr)
    if not m:
        sys.exit("bench: no instruction count from callgrind:\n" + stderr[-2000:])
    return int(m.group(1))


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_timed(argv, env, stdin_path=None, cwd=None, check=None):
    """Runs argv once; returns (wall seconds, cpu seconds, peak RSS KiB).
    rusage comes from wait4: the child and the descendants it waited for.
    check: a label; the run is under the shim, and must have counted
    (counted_allocs), else NotCounted."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=cwd)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdin_path:
            stdin.close()
    if p.returncode != 0:
        raise RuntimeError("%s exited with %d: %s" % (" ".join(argv), p.returncode,
                                                      err.decode(errors="replace")[-2000:]))
    if check:
        counted_allocs(p.pid, check)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def print_table(header, rows):
    """A plain text table, columns padded to their widest cell."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    width = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, r in enumerate(cells):
        print("  ".join(c.ljust(width[i]) if i == 0 or i == 1 else c.rjust(width[i])
                        for i, c in enumerate(r)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in width))


def write_csv(name, header, rows):
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path
