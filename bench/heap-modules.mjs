// Module URLs an isolate holds, from its .heapsnapshot (ESM only; CJS undercounted): node bench/heap-modules.mjs <file>
import { readFileSync } from 'node:fs';
const s = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = s.snapshot.meta.node_fields, types = s.snapshot.meta.node_types[0], n = f.length, N = s.nodes, str = s.strings;
const iT = f.indexOf('type'), iN = f.indexOf('name');
const urls = new Set();
for (let i = 0; i < N.length; i += n) { const name = str[N[i + iN]]; if (types[N[i+iT]] === 'code' || types[N[i+iT]]==='hidden' || true) { const m = /^file:\/\/\S+\.(m?js|cjs|json)$/.exec(name); if (m) urls.add(name); } }
const dist = [...urls].filter((u) => u.includes('/dist')).length, nm = [...urls].filter((u) => u.includes('node_modules'));
const pk = new Set(nm.map((u) => u.split('node_modules/')[1].split('/').slice(0, u.split('node_modules/')[1].startsWith('@') ? 2 : 1).join('/')));
console.log(`module URLs: ${urls.size} (dist ${dist}, node_modules ${nm.length}: ${[...pk].join(' ')})`);
