// Benchmark: a real Envoy with 10,000 clusters and 10,000 routes; the time and
// peak memory of `envoy-drift check` as a user runs it (a whole process, its
// exit awaited) beside the floor (a process that fetches /config_dump and
// JSON.parses it, bench/floor.mjs) and the do-it-yourself pipeline
// (curl | jq -S, then diff against a saved dump), runs alternated, one or
// more builds side by side (bench/builds.mjs). Peak RSS and CPU time (user +
// system, the process and its children) from GNU time: on a shared machine CPU
// time moves less with the load than wall time.
//   npm run build && BUILDS=before=/work/main/dist,after=dist node bench/check-large.mjs [clusters] [routes] [repeats]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnvoy } from './envoy.mjs';
import { builds, median } from './builds.mjs';

const CLUSTERS = Number(process.argv[2] ?? 10_000);
const ROUTES = Number(process.argv[3] ?? 10_000);
const REPEATS = Number(process.argv[4] ?? 3);
const VHOSTS = 100;
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-bench-'));

function bootstrap() {
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => ({
    name: `svc-${i}`,
    connect_timeout: '1s',
    type: 'STATIC',
    circuit_breakers: { thresholds: [{ max_connections: 1000 + i }] },
    load_assignment: { cluster_name: `svc-${i}`, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 20000 + (i % 40000) } } } }] }] },
  }));
  const perHost = Math.ceil(ROUTES / VHOSTS);
  const virtual_hosts = Array.from({ length: VHOSTS }, (_, h) => ({
    name: `host-${h}`,
    domains: [`host-${h}.example.com`],
    routes: Array.from({ length: perHost }, (_, r) => ({ match: { prefix: `/api/${r}` }, route: { cluster: `svc-${(h * perHost + r) % CLUSTERS}`, timeout: '3s' } })),
  }));
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'ingress',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'ingress',
          route_config: { name: 'routes', virtual_hosts },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        } }] }],
      }],
      clusters,
    },
  };
}

/** GNU time's last line: peak RSS in KB, user and system seconds. */
const TIME_FORMAT = '%M %U %S';
function resources(stderr) {
  const [kb, user, system] = stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { maxRssMb: Math.round(kb / 1024), cpuMs: Math.round((user + system) * 1000) };
}

/** Wall time, CPU time and peak RSS (GNU time) of one whole process. */
function timed(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', TIME_FORMAT, command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return { ms, ...resources(result.stderr), out: result.stdout };
}

/** The do-it-yourself pipeline: wall time, its CPU time (all three processes) and peak RSS (the largest, jq) from GNU time. */
function diy(admin) {
  const pipeline = `curl -s ${admin}/config_dump | jq -S . > ${work}/live.json && diff -q ${work}/saved.json ${work}/live.json > /dev/null; true`;
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', TIME_FORMAT, 'bash', '-c', pipeline], { encoding: 'utf8' });
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  return { ms, ...resources(result.stderr) };
}

const configPath = join(work, 'envoy.json');
writeFileSync(configPath, JSON.stringify(bootstrap()));
const started = Date.now();
const envoy = await startEnvoy(configPath, work, { timeoutMs: 300_000 });
console.log(`envoy with ${CLUSTERS} clusters and ${ROUTES} routes LIVE after ${Date.now() - started} ms`);
const dumpBytes = (await (await fetch(`${envoy.admin}/config_dump`)).arrayBuffer()).byteLength;
console.log(`config dump: ${(dumpBytes / 1e6).toFixed(1)} MB`);
execFileSync('bash', ['-c', `curl -s ${envoy.admin}/config_dump | jq -S . > ${work}/saved.json`]);

const BUILDS = builds();
const rows = { floor: [], diy: [], ...Object.fromEntries(BUILDS.map((b) => [b.label, []])) };
try {
  for (let i = 0; i < REPEATS; i++) {
    rows.floor.push(timed(process.execPath, ['bench/floor.mjs', envoy.admin]));
    for (const build of i % 2 ? [...BUILDS].reverse() : BUILDS) {
      const run = timed(process.execPath, [build.cli, 'check', '--admin', envoy.admin, '--declared', configPath, '--format', 'json', '--timeout', '120s']);
      if (JSON.parse(run.out).inSync !== true) throw new Error(`${build.label}: the check did not find the proxy in sync`);
      rows[build.label].push(run);
    }
    rows.diy.push(diy(envoy.admin));
  }
} finally {
  envoy.child.kill('SIGTERM');
}
const summary = (list) => ({ ms: median(list.map((r) => r.ms)), cpuMs: median(list.map((r) => r.cpuMs)), maxRssMb: median(list.map((r) => r.maxRssMb)) });
const floor = summary(rows.floor);
console.log(`\n${REPEATS} alternated runs; medians; ratios to the floor's median; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n| pipeline | wall time | x floor | CPU time | x floor | peak RSS | x floor |\n|---|---|---|---|---|---|---|`);
const row = (name, s) => console.log(`| ${name} | ${s.ms} ms | ${(s.ms / floor.ms).toFixed(2)} | ${s.cpuMs} ms | ${(s.cpuMs / floor.cpuMs).toFixed(2)} | ${s.maxRssMb} MB | ${(s.maxRssMb / floor.maxRssMb).toFixed(2)} |`);
row('floor: fetch /config_dump + JSON.parse (node)', floor);
for (const build of BUILDS) row(`envoy-drift check (${build.label})`, summary(rows[build.label]));
row('do-it-yourself: curl | jq -S, diff', summary(rows.diy));
console.log('\nevery run (wall ms):', JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((r) => r.ms)]))));
console.log('every run (CPU ms):', JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((r) => r.cpuMs)]))));
console.log('every run (peak RSS MB):', JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((r) => r.maxRssMb)]))));
rmSync(work, { recursive: true, force: true });
