// SPDX-License-Identifier: MIT
// mapbuf.js - the node workload of `make bench`: a Map of Buffers, filled,
// overwritten and read. Usage: node mapbuf.js [N] (default 200000).
const n = Number(process.argv[2] || 200000);
const m = new Map();
for (let i = 0; i < n; i++) {
  const b = Buffer.alloc(64 + (i % 200));
  b.write('key' + i);
  m.set('k' + (i % 50000), b);
}
let t = 0;
for (const [k, v] of m) t += v.length + k.length;
console.log(t);
