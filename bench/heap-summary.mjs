// Summary of a .heapsnapshot by node type and name (issue 9): node bench/heap-summary.mjs <file>
import { readFileSync } from 'node:fs';
const s = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = s.snapshot.meta.node_fields, types = s.snapshot.meta.node_types[0];
const n = f.length, N = s.nodes, str = s.strings;
const iT = f.indexOf('type'), iN = f.indexOf('name'), iS = f.indexOf('self_size');
const byType = {}, byName = {};
let total = 0;
for (let i = 0; i < N.length; i += n) {
  const t = types[N[i + iT]], size = N[i + iS];
  total += size;
  byType[t] = (byType[t] ?? 0) + size;
  let name = t === 'object' || t === 'closure' || t === 'code' || t === 'hidden' || t === 'array' ? `${t}:${str[N[i + iN]].slice(0, 50)}` : t;
  const e = (byName[name] ??= { size: 0, count: 0 }); e.size += size; e.count++;
}
const mb = (b) => (b / 1048576).toFixed(2);
console.log('total', mb(total));
console.log(Object.entries(byType).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${mb(v)}`).join(' | '));
for (const [k, v] of Object.entries(byName).sort((a, b) => b[1].size - a[1].size).slice(0, 25)) console.log(mb(v.size).padStart(7), String(v.count).padStart(7), k);
