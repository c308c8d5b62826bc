# SPDX-License-Identifier: MIT
"""moncost.py - what one `heaptag mon` refresh costs over many rows.

Starts 50 processes under the shim, each with 2000 call sites (100,000 rows
in all), waits until each has allocated at every site, then times
`heaptag mon -p PID,... -n 1` (read, validate, symbolise, print) a few times
and reports the median. The processes end when their stdin closes.
Writes bench/results/mon.csv."""
import os
import subprocess
import sys
import time

from common import QUICK, SHIM, TOOL, WORK, base_env, median, print_table, write_csv

PROCS = 50
SITES = 2000
REPEAT = 3 if QUICK else 7


def main():
    env = base_env()
    env.update({"LD_PRELOAD": SHIM, "HEAPTAG_FLAGS": "+ptg"})
    procs = []
    try:
        for _ in range(PROCS):
            p = subprocess.Popen([os.path.join(WORK, "sites")], env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
            procs.append(p)
        for p in procs:
            if p.stdout.readline().strip() != b"ready":
                sys.exit("bench: a sites process did not start")
        pids = ",".join(str(p.pid) for p in procs)
        cmd = [TOOL, "mon", "-p", pids, "-n", "1"]
        times, lines = [], 0
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            r = subprocess.run(cmd, env=base_env(), capture_output=True)
            times.append(time.perf_counter() - t0)
            if r.returncode != 0:
                sys.exit("bench: heaptag mon failed: " + r.stderr.decode(errors="replace"))
            lines = r.stdout.count(b"\n")
        rows = PROCS * SITES
        header = ["processes", "rows", "refreshes", "median_s", "min_s", "per_row_us",
                  "output_lines"]
        out = [[PROCS, rows, REPEAT, "%.3f" % median(times), "%.3f" % min(times),
                "%.2f" % (median(times) / rows * 1e6), lines]]
        print("heaptag mon -n 1 over %d processes x %d sites:" % (PROCS, SITES))
        print_table(header, out)
        print("wrote", write_csv("mon.csv", header, out))
    finally:
        for p in procs:
            p.stdin.close()
        for p in procs:
            p.wait()


if __name__ == "__main__":
    main()
