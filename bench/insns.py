# SPDX-License-Identifier: MIT
"""insns.py - what one allocation costs, in numbers that do not drift.

Instructions: callgrind (which, unlike memcheck, leaves malloc alone: the
shim's and glibc's code are both measured) counts the microbenchmark's `pair`
loop, one malloc and one free per iteration from one call site, at two
iteration counts; the difference over the difference of iterations is the cost
of one iteration without start-up, and subtracting plain's leaves what the
preload adds. Memory: the `mem` command asks glibc (mallinfo2) how many bytes
it holds per live block, plain and under the shim.
Writes bench/results/insns.csv and bench/results/memory.csv."""
import os
import re
import subprocess
import sys

from common import (MICRO, MICRO_TAGGED, QUICK, WORK, callgrind_instructions, command_for,
                    keep_env, print_table, shim_mode, write_csv)

SHORT, LONG = (1000, 11000) if QUICK else (2000, 42000)

# (name, mode for the environment, binary, target of added instructions)
CASES = [
    ("plain", "plain", MICRO, None),
    ("passthru", "passthru", MICRO, None),
    ("ptg by call site, warm cache", "ptg-site", MICRO, 50),
    ("ptg by explicit tag", "ptg-tag", MICRO_TAGGED, 35),
]


def callgrind_total(mode, binary, iters):
    out = os.path.join(WORK, "callgrind.out")
    argv, env = command_for(mode, [binary, "pair", "-n", str(iters)], {})
    # the preload goes to the program, not to valgrind itself
    options = ["--callgrind-out-file=" + out]
    if env.get("LD_PRELOAD"):
        options.append("--trace-children=no")
    label = None
    if shim_mode(mode):
        env = keep_env(env)
        label = "microbenchmark under callgrind, %s" % mode
    total = callgrind_instructions(argv, env, options, label)
    os.unlink(out)
    return total


def shim_in_callgrind():
    """Makes sure the preload is really in the measured process (valgrind's
    own malloc replacement would hide it): under callgrind the shim must
    create its segment, which the `mem` command reports."""
    argv, env = command_for("ptg-site", [MICRO, "mem", "-n", "10"], {})
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
                       + argv, env=env, capture_output=True, text=True)
    m = re.search(r"segment=(\d+)", r.stdout)
    return m is not None and int(m.group(1)) > 0


def memory_rows():
    rows = []
    base = None
    for name, mode in (("plain", "plain"), ("ptg by call site", "ptg-site")):
        argv, env = command_for(mode, [MICRO, "mem", "-n", "20000" if QUICK else "100000"], {})
        r = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        kv = dict(x.split("=") for x in r.stdout.split()[1:])
        per = float(kv["per_block"])
        if base is None:
            base = per
        added = per - base
        rows.append([name, kv["blocks"], "%.2f" % per, "%.2f" % added,
                     "%.0f KiB" % (int(kv["segment"]) / 1024.0),
                     "" if name == "plain" else
                     "<=16 %s" % ("ok" if added <= 16 else "MISSED by %.2f" % (added - 16))])
    return rows


def main():
    if not shim_in_callgrind():
        sys.exit("bench: the shim did not run under callgrind; instruction counts would lie")
    per = {}
    rows = []
    for name, mode, binary, target in CASES:
        short = callgrind_total(mode, binary, SHORT)
        long_ = callgrind_total(mode, binary, LONG)
        per[name] = (long_ - short) / float(LONG - SHORT)
        added = per[name] - per["plain"]
        note = ""
        if target is not None:  # judged on the figure as printed, to 0.1 instruction
            shown = round(added, 1)
            note = "<=%d %s" % (target, "ok" if shown <= target
                                else "MISSED by %.1f" % (shown - target))
        rows.append([name, SHORT, LONG, short, long_, "%.1f" % per[name],
                     "%.1f" % added, note])
    header = ["mode", "iters_short", "iters_long", "ir_short", "ir_long",
              "ir_per_iteration", "added_over_plain", "target"]
    print("Instructions per iteration (one malloc + one free), callgrind:")
    print_table(header, rows)
    print("wrote", write_csv("insns.csv", header, rows))
    print()
    mheader = ["mode", "live_blocks", "heap_bytes_per_block_beyond_asked", "added_per_block",
               "segment", "target"]
    mrows = memory_rows()
    print("Memory per live block (glibc's mallinfo2; sizes 16 B..4 KiB):")
    print_table(mheader, mrows)
    print("wrote", write_csv("memory.csv", mheader, mrows))


if __name__ == "__main__":
    main()
