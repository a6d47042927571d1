// The Envoy type registry: the previous one (every .proto of
// @grpc/grpc-js-xds parsed at start) against the current one (committed
// descriptor lines, types built on use), each in a fresh process, in the same
// run. Measures loading, then a check of the demo config against a real Envoy.
//   npm run build && node bench/registry.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy } from './envoy.mjs';

const DEMO = 'examples/demo/envoy.yaml';
const rounds = Number(process.argv[2] ?? 3);

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  await main();
}

/** The registry as it was built before proto/envoy-api, with the same interface. */
async function previousRegistry() {
  const protobuf = (await import('protobufjs')).default;
  const { previousEnvoyApi } = await import('../scripts/api-types/previous-api.mjs');
  const root = previousEnvoyApi();
  const cache = new Map();
  const lookupType = (nameOrUrl) => {
    const name = nameOrUrl.slice(nameOrUrl.lastIndexOf('/') + 1);
    if (cache.has(name)) return cache.get(name);
    let found;
    try {
      const reflected = root.lookup(`.${name}`);
      if (reflected instanceof protobuf.Type) found = reflected.resolveAll();
    } catch {
      found = undefined;
    }
    cache.set(name, found);
    return found;
  };
  return { root, lookupType, hasType: (n) => lookupType(n) !== undefined, apiVersion: '1.31', fileCount: 0 };
}

function builtTypes(ns) {
  let count = 0;
  for (const nested of ns.nestedArray ?? []) {
    if (nested.constructor.name === 'Type' || nested.constructor.name === 'Enum') count += 1;
    if (nested.nestedArray) count += builtTypes(nested);
  }
  return count;
}

async function child(which, admin) {
  const mb = () => Math.round(process.memoryUsage().rss / 1048576);
  const heap = () => process.memoryUsage().heapUsed / 1048576;
  const { performance } = await import('node:perf_hooks');
  const { loadDeclared } = await import('../dist/declared/load-declared.js');
  const { readLiveState } = await import('../dist/envoy-admin/live-state.js');
  const { AdminClient } = await import('../dist/envoy-admin/admin-client.js');
  const { parseAdminAddress } = await import('../dist/envoy-admin/admin-address.js');
  const { compare } = await import('../dist/compare/compare.js');
  const { envoyRegistry } = await import('../dist/proto/envoy-registry.js');
  global.gc?.();
  const before = mb();
  const heapBefore = heap();
  let t = performance.now();
  const registry = which === 'previous' ? await previousRegistry() : envoyRegistry();
  const loadMs = performance.now() - t;
  global.gc?.();
  const afterLoad = mb();
  const heapAfterLoad = heap();
  t = performance.now();
  const declared = await loadDeclared(DEMO, registry);
  if (!declared.ok) throw declared.error;
  const client = new AdminClient(parseAdminAddress(admin).value, { timeoutMs: 30_000 });
  const live = await readLiveState(client, registry, {});
  const report = compare(declared.value, live);
  await client.close();
  const checkMs = performance.now() - t;
  global.gc?.();
  console.log(JSON.stringify({
    which,
    loadMs: Math.round(loadMs),
    checkMs: Math.round(checkMs),
    rssBeforeMb: before,
    registryRssMb: afterLoad - before,
    registryHeapMb: Math.round((heapAfterLoad - heapBefore) * 10) / 10,
    afterCheckHeapMb: Math.round((heap() - heapBefore) * 10) / 10,
    afterCheckRssMb: mb() - before,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    typesBuilt: builtTypes(registry.root),
    inSync: report.inSync,
    unknownFields: report.unknown.fields,
  }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'envoy-drift-bench-registry-'));
  const envoy = await startEnvoy(DEMO, work, { args: ['--service-node', 'bench', '--service-cluster', 'bench'] });
  try {
    const runs = { previous: [], current: [] };
    // Interleaved, so machine noise falls on both alike.
    for (let i = 0; i < rounds; i++) {
      for (const which of ['previous', 'current']) {
        const out = execFileSync(process.execPath, ['--expose-gc', 'bench/registry.mjs', '--child', which, envoy.admin], { encoding: 'utf8' });
        runs[which].push(JSON.parse(out.trim().split('\n').pop()));
      }
    }
    console.log('| registry | load | registry heap | registry RSS | check of the demo config | heap after the check | RSS after the check | peak RSS | types built | unknown fields |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const which of ['previous', 'current']) {
      const r = runs[which];
      const m = (k) => median(r.map((x) => x[k]));
      console.log(`| ${which} | ${m('loadMs')} ms | ${m('registryHeapMb')} MB | ${m('registryRssMb')} MB | ${m('checkMs')} ms | +${m('afterCheckHeapMb')} MB | +${m('afterCheckRssMb')} MB | ${m('maxRssMb')} MB | ${m('typesBuilt')} | ${m('unknownFields')} |`);
    }
    const ratio = (k) => (median(runs.previous.map((x) => x[k])) / Math.max(1, median(runs.current.map((x) => x[k])))).toFixed(1);
    console.log(`\nprevious/current, medians of ${rounds} interleaved rounds: load ${ratio('loadMs')}x, registry heap ${ratio('registryHeapMb')}x, check ${ratio('checkMs')}x, heap after the check ${ratio('afterCheckHeapMb')}x, RSS after the check ${ratio('afterCheckRssMb')}x`);
  } finally {
    envoy.child.kill();
    rmSync(work, { recursive: true, force: true });
  }
}
