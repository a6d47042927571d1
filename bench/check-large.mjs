// Benchmark: a real Envoy with 10,000 clusters and 10,000 routes; the time and
// peak memory of `check` (decode, canonicalise, hash, compare) beside the
// floor (fetch /config_dump and JSON.parse alone) and the do-it-yourself
// pipeline (curl | jq -S, then diff against a saved dump), in the same run.
//   npm run build && node bench/check-large.mjs [clusters] [routes] [repeats]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envoyBinary } from '../scripts/setup/envoy.mjs';

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

async function startEnvoy(config) {
  const addressFile = join(work, 'admin');
  const child = spawn(process.env.ENVOY_BIN ?? envoyBinary(), ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error'], { stdio: 'ignore' });
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (existsSync(addressFile) && readFileSync(addressFile, 'utf8').trim()) {
      const admin = `http://${readFileSync(addressFile, 'utf8').trim()}`;
      const ready = await fetch(`${admin}/ready`).then((r) => r.text()).catch(() => '');
      if (ready.trim() === 'LIVE') return { child, admin };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('envoy did not become LIVE');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const out = execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  return { ms: Number((process.hrtime.bigint() - start) / 1_000_000n), out };
}

/** The do-it-yourself pipeline: wall time, and its peak RSS (the largest process, jq) from GNU time. */
function diy(admin) {
  const pipeline = `curl -s ${admin}/config_dump | jq -S . > ${work}/live.json && diff -q ${work}/saved.json ${work}/live.json > /dev/null; true`;
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', pipeline], { encoding: 'utf8' });
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  return { ms, maxRssMb: Math.round(Number(result.stderr.trim().split('\n').at(-1)) / 1024) };
}

const configPath = join(work, 'envoy.json');
writeFileSync(configPath, JSON.stringify(bootstrap()));
const started = Date.now();
const envoy = await startEnvoy(configPath);
console.log(`envoy with ${CLUSTERS} clusters and ${ROUTES} routes LIVE after ${Date.now() - started} ms`);
const dumpBytes = (await (await fetch(`${envoy.admin}/config_dump`)).arrayBuffer()).byteLength;
console.log(`config dump: ${(dumpBytes / 1e6).toFixed(1)} MB`);
execFileSync('bash', ['-c', `curl -s ${envoy.admin}/config_dump | jq -S . > ${work}/saved.json`]);

const rows = { floor: [], check: [], diy: [] };
try {
  for (let i = 0; i < REPEATS; i++) {
    rows.floor.push(JSON.parse(timed(process.execPath, ['bench/measure.mjs', 'floor', envoy.admin]).out));
    rows.check.push(JSON.parse(timed(process.execPath, ['bench/measure.mjs', 'check', envoy.admin, configPath]).out));
    rows.diy.push(diy(envoy.admin));
  }
} finally {
  envoy.child.kill('SIGTERM');
}
const summary = (list) => ({ ms: median(list.map((r) => r.ms)), maxRssMb: median(list.map((r) => r.maxRssMb)) });
console.log(`\n| pipeline | median wall time | peak RSS |\n|---|---|---|`);
console.log(`| floor: fetch /config_dump + JSON.parse | ${summary(rows.floor).ms} ms | ${summary(rows.floor).maxRssMb} MB |`);
console.log(`| envoy-drift check (decode, canonicalise, hash, compare) | ${summary(rows.check).ms} ms | ${summary(rows.check).maxRssMb} MB |`);
console.log(`| do-it-yourself: curl \\| jq -S, diff | ${summary(rows.diy).ms} ms | ${summary(rows.diy).maxRssMb} MB (jq) |`);
console.log('\ncheck phases (last run):', JSON.stringify(rows.check.at(-1).phases));
rmSync(work, { recursive: true, force: true });
