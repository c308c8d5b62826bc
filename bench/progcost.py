# SPDX-License-Identifier: MIT
"""progcost.py - what the shim adds to whole programs, in instructions.

callgrind counts every instruction of one run of each workload plain, under
ptg and under ptg+ust; the ratio to plain is what the shim costs that program,
a number that does not drift with the machine's load (wall times do). The
workloads are the ones where finding the caller matters most: C++ code whose
allocations come from libstdc++ and std:: templates, node, clang++.
Writes bench/results/progcost.csv."""
import os
import shutil
import sys

from common import (CXXMAP, QUICK, WORK, callgrind_instructions, command_for, keep_env,
                    print_table, shim_mode, wanted, write_csv)

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's own binary, not a wrapper on PATH

# target ratio of ptg to plain, per workload (issue: C++ and large programs)
def workloads():
    out = [("C++ std::map/unordered_map", [CXXMAP, "1" if QUICK else "3"], 1.15)]
    # Debian's python3 (non-PIE, takes malloc's address): counted since the
    # passive test reads the link map; with its own small-object allocator and without
    dicts = [PY, os.path.join(HERE, "work", "dicts.py"), "10000" if QUICK else "40000"]
    out.append(("python3 (pymalloc)", dicts, 1.03, {}))
    out.append(("python3 PYTHONMALLOC=malloc", dicts, 1.03, {"PYTHONMALLOC": "malloc"}))
    if shutil.which("node"):
        out.append(("node -e (start-up)", ["node", "-e", "0"], 1.20))
        out.append(("node Map/Buffer", ["node", os.path.join(HERE, "work", "mapbuf.js"),
                                        "20000" if QUICK else "100000"], 1.15))
    if shutil.which("clang++"):
        out.append(("clang++ -O2 5 lines", ["clang++", "-O2", "-c",
                                             os.path.join(HERE, "work", "five.cpp"), "-o",
                                             os.path.join(WORK, "five.o")], 1.15))
    return out


def instructions(mode, argv, extra):
    argv, env = command_for(mode, argv, extra)
    label = None
    if shim_mode(mode):
        env = keep_env(env)
        label = "%s under callgrind, %s" % (argv[0], mode)
    return callgrind_instructions(argv, env, ["--callgrind-out-file=/dev/null",
                                              "--trace-children=no"], label)


def main():
    rows = []
    for name, argv, limit, *extra in [w for w in workloads() if wanted(w[0])]:
        extra = extra[0] if extra else {}
        plain = instructions("plain", argv, extra)
        row = [name, "%.0f M" % (plain / 1e6)]
        for mode in ("ptg-site", "ptg+ust"):
            n = instructions(mode, argv, extra)
            ratio = n / plain
            row.append("%.2fx" % ratio)
            if mode == "ptg-site":
                note = "<=%.2fx %s" % (limit, "ok" if ratio <= limit
                                       else "MISSED by %.2fx" % (ratio - limit))
        rows.append(row + [note])
        print("%s done" % name, file=sys.stderr)
    header = ["workload", "plain insns", "ptg", "ptg+ust", "ptg target"]
    print("\nWhole programs under callgrind (instructions, ratio to plain):")
    print_table(header, rows)
    write_csv("progcost.csv", header, rows)


if __name__ == "__main__":
    main()
