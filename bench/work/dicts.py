# SPDX-License-Identifier: MIT
"""dicts.py - the python3 workload of `make bench`: dict and string heavy work
(run with PYTHONMALLOC=malloc so every object goes through malloc).
Deterministic; prints a checksum so nothing is optimised away."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
words = ["w%x_%s" % (i * 2654435761 % 1000003, "ab" * (i % 7)) for i in range(n)]
index = {}
for i, w in enumerate(words):
    index.setdefault(w[:4], []).append(w.upper() + str(i))
text = " ".join(words)
counts = {}
for tok in text.split():
    counts[tok[-3:]] = counts.get(tok[-3:], 0) + len(tok)
records = [{"id": i, "name": w, "tags": w.split("_")} for i, w in enumerate(words[: n // 2])]
merged = {r["name"]: "%d:%s" % (r["id"], "-".join(r["tags"])) for r in records}
total = sum(len(v) for v in merged.values()) + sum(counts.values()) + len(index)
print(total)
