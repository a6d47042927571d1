// One measurement in a fresh process, so peak RSS belongs to that pipeline
// alone. Imports the built package (npm run build). Prints one JSON line.
//   node bench/measure.mjs floor <admin>
//   node bench/measure.mjs check <admin> <declared>
import { performance } from 'node:perf_hooks';
import { parseAdminAddress } from '../dist/envoy-admin/admin-address.js';
import { AdminClient } from '../dist/envoy-admin/admin-client.js';
import { liveStateFromDump } from '../dist/envoy-admin/live-state.js';
import { loadDeclared } from '../dist/declared/load-declared.js';
import { compare } from '../dist/compare/compare.js';
import { envoyRegistry } from '../dist/proto/envoy-registry.js';

const [mode, admin, declaredPath] = process.argv.slice(2);
const address = parseAdminAddress(admin);
if (!address.ok) throw address.error;
const client = new AdminClient(address.value, { timeoutMs: 120_000 });
const phases = {};
const mark = async (name, fn) => {
  const start = performance.now();
  const value = await fn();
  phases[name] = Math.round(performance.now() - start);
  return value;
};
const start = performance.now();
if (mode === 'floor') {
  const text = await mark('fetch', async () => (await fetch(`${address.value.origin}/config_dump`)).text());
  await mark('parse', () => JSON.parse(text));
} else {
  const registry = await mark('registry', () => envoyRegistry());
  const declared = await mark('declared', () => loadDeclared(declaredPath, registry));
  if (!declared.ok) throw declared.error;
  const [dump, runtime, serverInfo] = await mark('fetch+parse', () => Promise.all([client.configDump(), client.runtime(), client.serverInfo()]));
  const live = await mark('live canonical+hash', () => liveStateFromDump({ dump, runtime, serverInfo, admin }, registry));
  const report = await mark('compare', () => compare(declared.value, live));
  phases.resources = live.set.resources.size;
  phases.inSync = report.inSync;
}
await client.close();
console.log(JSON.stringify({ mode, ms: Math.round(performance.now() - start), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), phases }));
