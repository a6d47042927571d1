// Benchmark of the sidecar agent beside a real Envoy (npm run build first):
//   1. steady-state CPU and RSS of the agent at a 1 s interval, beside Envoy
//      with 1,000 and with 10,000 resources;
//   2. detection latency, drift made (admin call) to event (SSE), over N drifts;
//   3. p50 / p99 of HTTP traffic through Envoy under load (wrk) with the agent
//      running and not, in the same run.
//   node bench/agent.mjs [steadySeconds=30] [drifts=50] [loadSeconds=15] [phases=steady,latency,load]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentEvents } from '../scripts/agent-events.mjs';
import { envoyBinary } from '../scripts/setup/envoy.mjs';

const STEADY_SECONDS = Number(process.argv[2] ?? 30);
const DRIFTS = Number(process.argv[3] ?? 50);
const LOAD_SECONDS = Number(process.argv[4] ?? 15);
const PHASES = new Set((process.argv[5] ?? 'steady,latency,load').split(','));
// PIN=1: Envoy alone on CPU 0; the load generator, the upstream and the agent on CPU 1,
// as a sidecar with its own CPU budget would run beside a proxy.
const PIN = process.env.PIN === '1';
const pinned = (cpu, command, args) => (PIN ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]);
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-agent-bench-'));
const cli = join(process.cwd(), 'dist', 'cli', 'bin.js');
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(probe, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function bootstrap({ clusters, upstreamPort, listenPort }) {
  const extra = Array.from({ length: clusters }, (_, i) => ({
    name: `svc-${i}`,
    connect_timeout: '1s',
    type: 'STATIC',
    load_assignment: { cluster_name: `svc-${i}`, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 20000 + (i % 40000) } } } }] }] },
  }));
  const routes = Array.from({ length: clusters }, (_, i) => ({ match: { prefix: `/svc/${i}/` }, route: { cluster: `svc-${i}` } }));
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    layered_runtime: { layers: [{ name: 'static', static_layer: { bench: { flag: 0 } } }, { name: 'admin', admin_layer: {} }] },
    static_resources: {
      listeners: [{
        name: 'ingress',
        address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
        filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'ingress',
          route_config: { name: 'routes', virtual_hosts: [{ name: 'bench', domains: ['*'], routes: [...routes, { match: { prefix: '/' }, route: { cluster: 'upstream' } }] }] },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        } }] }],
      }],
      clusters: [
        ...extra,
        { name: 'upstream', connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] } },
      ],
    },
  };
}

async function startEnvoy(config, name) {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  const addressFile = join(work, `${name}.admin`);
  const child = spawn(...pinned(0, envoyBinary(), ['-c', path, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error']), { stdio: 'ignore' });
  children.push(child);
  const admin = await waitFor(async () => {
    if (!existsSync(addressFile) || !readFileSync(addressFile, 'utf8').trim()) return undefined;
    const admin = `http://${readFileSync(addressFile, 'utf8').trim()}`;
    return (await (await fetch(`${admin}/ready`)).text()).trim() === 'LIVE' ? admin : undefined;
  }, `Envoy ${name}`);
  return { child, admin, path };
}

async function startAgent(admin, declared, name) {
  const child = spawn(...pinned(1, process.execPath, [cli, 'agent', '--admin', admin, '--declared', declared, '--data-dir', join(work, `${name}-data`), '--listen', '127.0.0.1:0', '--interval', '1s', '--log-level', 'warn']), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const endpoint = await waitFor(async () => /listening on (\S+)/.exec(stderr)?.[1], `agent ${name}`);
  await waitFor(async () => (await fetch(`${endpoint}/readyz`)).status === 200, `agent ${name} ready`);
  return { child, endpoint };
}

/** CPU seconds (user + system) and RSS of a process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1]);
  return { cpuSeconds: ticks / 100, rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function steadyState(clusters) {
  const envoy = await startEnvoy(bootstrap({ clusters, upstreamPort: await freePort(), listenPort: 0 }), `steady-${clusters}`);
  const agent = await startAgent(envoy.admin, envoy.path, `steady-${clusters}`);
  const before = usage(agent.child.pid);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000));
  const after = usage(agent.child.pid);
  const wall = (Date.now() - started) / 1000;
  const status = await (await fetch(`${agent.endpoint}/v1/status`)).json();
  agent.child.kill('SIGTERM');
  envoy.child.kill('SIGTERM');
  const resources = status.declared.resources;
  return { clusters, resources, cpuPercent: ((after.cpuSeconds - before.cpuSeconds) / wall) * 100, rssMb: after.rssMb, peakMb: after.peakMb };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function detectionLatency() {
  const envoy = await startEnvoy(bootstrap({ clusters: 1000, upstreamPort: await freePort(), listenPort: 0 }), 'latency');
  const agent = await startAgent(envoy.admin, envoy.path, 'latency');
  const arrivals = [];
  const close = await readAgentEvents(agent.endpoint, (event, at) => arrivals.push({ at, event }));
  const detected = [];
  const resolved = [];
  for (let i = 0; i < DRIFTS; i++) {
    for (const [query, type, sink] of [[`bench.flag=${i + 1}`, 'drift.detected', detected], ['bench.flag', 'drift.resolved', resolved]]) {
      const seen = arrivals.length;
      const made = performance.now();
      await fetch(`${envoy.admin}/runtime_modify?${query}`, { method: 'POST' });
      const arrival = await waitFor(async () => arrivals.slice(seen).find((a) => a.event.type === type), type, 30_000);
      sink.push(arrival.at - made);
    }
  }
  close();
  agent.child.kill('SIGTERM');
  envoy.child.kill('SIGTERM');
  return { detected, resolved };
}

function ensureWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    if (error.code !== 'ENOENT') return;
    execFileSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'inherit' });
  }
}

function wrk(url) {
  const out = execFileSync(...pinned(1, 'wrk', ['-t1', '-c32', `-d${LOAD_SECONDS}s`, '--latency', url]), { encoding: 'utf8' });
  const ms = (label) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]];
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  return { p50: ms('50'), p99: ms('99'), rps };
}

async function underLoad() {
  ensureWrk();
  const upstreamPort = await freePort();
  const upstream = spawn(...pinned(1, process.execPath, ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${upstreamPort}, '127.0.0.1')`]), { stdio: 'ignore' });
  children.push(upstream);
  const listenPort = await freePort();
  const envoy = await startEnvoy(bootstrap({ clusters: 1000, upstreamPort, listenPort }), 'load');
  const url = `http://127.0.0.1:${listenPort}/`;
  await waitFor(async () => (await fetch(url)).status === 200, 'traffic through Envoy');
  wrk(url); // warm-up
  const without = wrk(url);
  const agent = await startAgent(envoy.admin, envoy.path, 'load');
  const withAgent = wrk(url);
  agent.child.kill('SIGTERM');
  await new Promise((r) => agent.child.once('exit', r));
  const withoutAgain = wrk(url);
  envoy.child.kill('SIGTERM');
  upstream.kill('SIGTERM');
  return { without, withAgent, withoutAgain };
}

try {
  if (PHASES.has('steady')) {
  const steady = [await steadyState(1000), await steadyState(10000)];
  console.log(`\n## Agent steady state (interval 1 s, ${STEADY_SECONDS} s sampled)\n\n| Envoy | declared resources | agent CPU | agent RSS | agent peak RSS |\n|---|---|---|---|---|`);
  for (const s of steady) console.log(`| ${s.clusters} clusters + ${s.clusters} routes | ${s.resources} | ${s.cpuPercent.toFixed(2)} % of one core | ${s.rssMb.toFixed(0)} MB | ${s.peakMb.toFixed(0)} MB |`);
  }
  if (PHASES.has('latency')) {
  const latency = await detectionLatency();
  console.log(`\n## Detection latency (admin call to SSE event, interval 1 s, ${DRIFTS} drifts)\n\n| event | median | p99 | max |\n|---|---|---|---|`);
  for (const [name, values] of Object.entries(latency)) console.log(`| ${name} | ${percentile(values, 50).toFixed(0)} ms | ${percentile(values, 99).toFixed(0)} ms | ${Math.max(...values).toFixed(0)} ms |`);
  }
  if (PHASES.has('load')) {
  const load = await underLoad();
  console.log(`\n## HTTP through Envoy under load (wrk -t1 -c32 -d${LOAD_SECONDS}s, Envoy --concurrency 1, 1,000 clusters)\n\n| run | p50 | p99 | requests/s |\n|---|---|---|---|`);
  for (const [name, r] of [['without the agent', load.without], ['with the agent (1 s interval)', load.withAgent], ['without the agent, again', load.withoutAgain]]) console.log(`| ${name} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.rps.toFixed(0)} |`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
