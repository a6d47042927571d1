// What each part the check engine keeps costs on the V8 heap (issue 9): the
// type registry, the declared snapshot, the canonical cache (trees keyed by
// raw text), the last live state, the dump string. Reads a config dump saved
// from Envoy (curl .../config_dump > dump.json) and the declaration.
//   node --expose-gc bench/footprint-heap.mjs <dist> <dump.json> <declared>
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
const [dist, dumpFile, declaredPath] = process.argv.slice(2);
const imp = (p) => import(join(resolve(dist), p));
const used = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const mb = (b) => (b / 1048576).toFixed(1);
const t0 = used();
const { envoyRegistry } = await imp('proto/envoy-registry.js');
const { CanonicalCache } = await imp('canonical/canonical-cache.js');
const { liveStateFromDump } = await imp('envoy-admin/live-state.js');
const { loadDeclared } = await imp('declared/load-declared.js');
const { compare } = await imp('compare/compare.js');
const t1 = used();
const registry = envoyRegistry();
let declared = await loadDeclared(declaredPath, registry);
const t2 = used();
let text = readFileSync(dumpFile, 'utf8');
const t3 = used();
let dump = JSON.parse(text);
const t4 = used();
const cache = new CanonicalCache();
let live = liveStateFromDump({ dump, admin: 'x' }, registry, cache);
cache.sweep();
compare(declared.value, live, {});
const t5 = used();
dump = undefined; text = undefined;
const t6 = used();
live = undefined;
const t7 = used();
const keyBytes = [...cache['entries'].keys()].reduce((n, k) => n + k.length, 0);
cache['entries'].clear();
const t8 = used();
declared = undefined;
const t9 = used();
console.log(`modules loaded: +${mb(t1 - t0)} MB; registry + declared snapshot: +${mb(t2 - t1)} MB; dump text (${mb(Buffer.byteLength(readFileSync(dumpFile)))} MB file): +${mb(t3 - t2)} MB; parsed dump: +${mb(t4 - t3)} MB; live state + cache: +${mb(t5 - t4)} MB`);
console.log(`after dropping the dump (text and parsed): -${mb(t5 - t6)} MB; the live state (beyond the cache): -${mb(t6 - t7)} MB; the cache (${cache.size} entries, keys ${mb(keyBytes)} MB of raw text): -${mb(t7 - t8)} MB; the declared snapshot (registry stays): -${mb(t8 - t9)} MB; left ${mb(t9)} MB`);
