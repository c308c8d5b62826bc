#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""check-includes.py [ROOT] - one direction between heaptag's parts.

A unit is a file's name without its ending in its folder (x.c and x.h are one
unit: x.c calls what x.h declares); a part is a folder (shim/core, ctl/mon...).
Draws every #include "..." of the shim, the tool and common/ and exits 1 naming
each cycle: a unit that includes, directly or through others, a unit that
includes it back, and a part that reaches back to itself through another part.
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
root = os.path.abspath(root)
TREES = ['shim', 'ctl', 'common', 'include']
SEARCH = ['include', 'common', 'shim', 'ctl']   # the -I roots of the build
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

files = []
for t in TREES:
    for d, _, fs in os.walk(os.path.join(root, t)):
        files += [os.path.join(d, f) for f in fs if f.endswith(('.c', '.h'))]

def unit(path):
    return os.path.splitext(os.path.relpath(path, root))[0]

def part(u):
    return os.path.dirname(u) or u

def resolve(src, name):
    for base in [os.path.dirname(src)] + [os.path.join(root, s) for s in SEARCH]:
        p = os.path.normpath(os.path.join(base, name))
        if os.path.exists(p):
            return p
    return None

edges = {}
for f in files:
    u = unit(f)
    edges.setdefault(u, set())
    for name in inc_re.findall(open(f, errors='replace').read()):
        p = resolve(f, name)
        if p and p.startswith(root + os.sep) and unit(p) != u:
            edges[u].add(unit(p))

def sccs(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    for v0 in graph:
        if v0 in index:
            continue
        work = [(v0, iter(sorted(graph.get(v0, ()))))]
        index[v0] = low[v0] = n[0]; n[0] += 1; stack.append(v0); on.add(v0)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]; n[0] += 1; stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out

bad = 0
for comp in sccs(edges):
    print('check-includes: units include each other: ' + ' <-> '.join(comp), file=sys.stderr)
    bad = 1
parts = {}
for u, vs in edges.items():
    for v in vs:
        if part(u) != part(v):
            parts.setdefault(part(u), set()).add(part(v))
for comp in sccs(parts):
    print('check-includes: parts include each other: ' + ' <-> '.join(comp), file=sys.stderr)
    for u, vs in sorted(edges.items()):
        for v in sorted(vs):
            if part(u) in comp and part(v) in comp and part(u) != part(v):
                print('  %s includes %s' % (u, v), file=sys.stderr)
    bad = 1
sys.exit(bad)
