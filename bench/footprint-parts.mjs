// What each part of a check holds on the heap (issue 9): starts Envoy with the
// edge config (bench/edge-config.mjs) of N clusters + N routes, then runs the
// check engine's steps in this process (the built package) and prints the
// heap used after a forced GC at each step, and the delta of each part.
//   npm run build && node --expose-gc bench/footprint-parts.mjs [clusters=10000] [dist=../dist: a build folder, relative to bench/ or absolute]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy } from './envoy.mjs';
import { bootstrap } from './edge-config.mjs';

const CLUSTERS = Number(process.argv[2] ?? 10000);
const dist = new URL(`${process.argv[3] ?? '../dist'}/`, new URL('.', import.meta.url));
const load = (path) => import(new URL(path, dist));
const { envoyRegistry } = await load('proto/envoy-registry.js');
const { loadDeclared } = await load('declared/load-declared.js');
const { AdminClient } = await load('envoy-admin/admin-client.js');
const { parseAdminAddress } = await load('envoy-admin/admin-address.js');
const { liveStateFromDump } = await load('envoy-admin/live-state.js');
const { CanonicalCache } = await load('canonical/canonical-cache.js');
const { compare } = await load('compare/compare.js');
// A build before valuesThatDiffer kept every live tree.
const { valuesThatDiffer } = await load('resources/resource-set.js');

const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed / 1048576; };
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-parts-'));
const config = join(work, 'envoy.json');
writeFileSync(config, JSON.stringify(bootstrap({ clusters: CLUSTERS, upstreamPort: await freePort(), listenPort: 0 })));
const envoy = await startEnvoy(config, work, { timeoutMs: 600_000 });
try {
  const rows = [];
  let previous = heap();
  const step = (name) => { const now = heap(); rows.push([name, now, now - previous]); previous = now; };
  step('modules loaded');
  const registry = envoyRegistry();
  let declared = await loadDeclared(config, registry).then((result) => { if (!result.ok) throw result.error; return result.value; });
  step('declaration loaded (trees + raw messages)');
  const client = new AdminClient(parseAdminAddress(envoy.admin).value, { timeoutMs: 60_000 });
  let answers = { dump: await client.configDump(), runtime: await client.runtime(), serverInfo: await client.serverInfo(), admin: envoy.admin };
  step('config dump parsed (held)');
  const cache = new CanonicalCache();
  let live = liveStateFromDump(answers, registry, cache, valuesThatDiffer ? { value: valuesThatDiffer(declared.set) } : undefined);
  cache.sweep();
  const withTrees = [...live.set.resources.values()].filter((r) => r.value !== undefined);
  step(`live state + cache built (dump still held; ${live.set.resources.size} resources, ${withTrees.length} with a tree: ${[...new Set(withTrees.map((r) => r.type))].join(', ')})`);
  answers = undefined;
  step('dump released');
  let report = compare(declared, live, {});
  step(`compared (${report.findings?.length ?? '?'} findings)`);
  report = undefined;
  live = undefined;
  step('live state released (cache kept)');
  cache.sweep();
  cache.sweep();
  step('cache emptied');
  declared = { ...declared, set: { ...declared.set, sources: new Map() } };
  step('declared raw messages released');
  declared = undefined;
  step('declaration released');
  console.log(`\nHeap used after GC, beside ${CLUSTERS} clusters + ${CLUSTERS} routes (MB)\n\n| step | heap used | delta |\n|---|---|---|`);
  for (const [name, now, delta] of rows) console.log(`| ${name} | ${now.toFixed(1)} | ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} |`);
} finally {
  envoy.child.kill('SIGTERM');
}
