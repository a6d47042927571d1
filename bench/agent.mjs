// Benchmark of the sidecar agent beside a real Envoy (npm run build first),
// one or more builds side by side in the same run (bench/builds.mjs), runs
// alternated between builds:
//   1. steady: CPU and RSS of the agent (all threads) at a 1 s interval beside
//      a realistic Envoy (health checks, outlier detection, retries, ten
//      virtual hosts; its stats move every second) with 1,000 and 10,000
//      clusters + routes, and the admin time it takes from Envoy's main thread;
//   2. latency: detection latency, change made to `drift.detected` on the SSE
//      stream, for an admin runtime override, a filesystem-xDS cluster change
//      and a proxy restart with another bootstrap (beside 1,000 clusters);
//   3. load: p50 / p99 through Envoy under wrk with and without the agent.
//   4. recheck: a re-check after one cluster changed against the first, full check (largest size).
//   BUILDS=before=/work/main/dist,after=dist node bench/agent.mjs [steadySeconds=30] [drifts=20] [loadSeconds=15] [phases=steady,latency,load,recheck] [reps=2] [sizes=1000,10000]
//   AGENT_ARGS="--full-check-interval 20s" adds flags to every agent (a periodic full check inside each window).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentEvents } from '../scripts/agent-events.mjs';
import { envoyBinary } from '../scripts/setup/envoy.mjs';
import { tsImport } from 'tsx/esm/api';
import { builds, median, percentile } from './builds.mjs';
import { bootstrap, cdsFile } from './edge-config.mjs';

const STEADY_SECONDS = Number(process.argv[2] ?? 30);
const DRIFTS = Number(process.argv[3] ?? 20);
const LOAD_SECONDS = Number(process.argv[4] ?? 15);
const PHASES = new Set((process.argv[5] ?? 'steady,latency,load').split(','));
const REPS = Number(process.argv[6] ?? 2);
const SIZES = (process.argv[7] ?? '1000,10000').split(',').map(Number);
const BUILDS = builds();
const AGENT_ARGS = (process.env.AGENT_ARGS ?? '').split(' ').filter(Boolean);
// PIN=1: Envoy alone on CPU 0; the load generator, the upstream and the agent on CPU 1,
// as a sidecar with its own CPU budget would run beside a proxy.
const PIN = process.env.PIN === '1';
// SETTLE_SECONDS (default 30): how long a steady window waits after the agent is ready. V8's memory
// reducer runs its mark-compacts 8-10 s after the first check stops allocating; a window that starts
// earlier measures that start-up transient, not the steady state (bench/README.md, "Session 4").
const SETTLE_SECONDS = Number(process.env.SETTLE_SECONDS ?? 30);
const pinned = (cpu, command, args) => (PIN ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args]);
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-agent-bench-'));
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The tests' one way of waiting, loaded through tsx so that `node bench/agent.mjs` runs as documented.
const { eventually } = await tsImport('../test/helpers/eventually.ts', import.meta.url);
/** eventually(), with the bench's longer default: large configs take minutes under load. */
const waitFor = (probe, what, timeoutMs = 180_000) => eventually(probe, what, timeoutMs);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startEnvoy(configPath, name) {
  const addressFile = join(work, `${name}.admin`);
  rmSync(addressFile, { force: true });
  const child = spawn(...pinned(0, envoyBinary(), ['-c', configPath, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error']), { stdio: 'ignore' });
  children.push(child);
  const admin = await eventually(async () => {
    if (!existsSync(addressFile) || !readFileSync(addressFile, 'utf8').trim()) return undefined;
    const admin = `http://${readFileSync(addressFile, 'utf8').trim()}`;
    return (await (await fetch(`${admin}/ready`)).text()).trim() === 'LIVE' ? admin : undefined;
  }, `Envoy ${name}`, { timeoutMs: 180_000, abort: () => (child.exitCode !== null ? `Envoy ${name} exited with ${child.exitCode}` : undefined) });
  return { child, admin, path: configPath };
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/**
 * The agent as a user runs it: the build's `envoy-drift-agent` bin through
 * its shebang line, as the kernel would (interpreter, its one argument, the
 * file), so the node flags and environment it sets count; a build without
 * that bin runs `node bin.js agent`.
 */
function agentCommand(build) {
  const bin = join(build.dist, 'cli', 'agent-bin.js');
  if (!existsSync(bin)) return [process.execPath, [build.cli, 'agent']];
  const [interpreter, argument] = readFileSync(bin, 'utf8').split('\n')[0].slice(2).trim().split(/ (.*)/);
  return [interpreter, [...(argument ? [argument] : []), bin]];
}

async function startAgent(build, admin, declared, name) {
  const [command, args] = agentCommand(build);
  const child = spawn(...pinned(1, command, [...args, '--admin', admin, '--declared', declared, '--data-dir', join(work, `${name}-data`), '--listen', '127.0.0.1:0', '--interval', '1s', '--log-level', 'warn', ...AGENT_ARGS]), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const endpoint = await waitFor(async () => /listening on (\S+)/.exec(stderr)?.[1], `agent ${name}`);
  // Beside 10,000 clusters the first full check takes minutes on a loaded machine.
  await waitFor(async () => (await fetch(`${endpoint}/readyz`)).status === 200, `agent ${name} ready`, 900_000);
  return { child, endpoint };
}

/** CPU seconds (user + system, all threads) and RSS of a process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)[1]);
  return { cpuSeconds: ticks / 100, rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU seconds of Envoy's main thread (the thread named "envoy": admin, xDS, health checks, stats flushes). */
function mainThreadCpu(pid) {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'envoy') continue;
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(stat[11]) + Number(stat[12])) / 100;
  }
  return NaN;
}

/** Envoy's own account of its admin requests: the admin listener's request-time histogram (sum in ms, count). */
async function adminTime(admin) {
  // usedonly and one type: this read is itself an admin call, and a full scan would cost more than what it measures.
  const text = await (await fetch(`${admin}/stats?format=prometheus&usedonly&type=Histograms&filter=${encodeURIComponent('^http\\.admin\\.downstream_rq_time$')}`)).text();
  const sum = Number(/envoy_http_downstream_rq_time_sum\{envoy_http_conn_manager_prefix="admin"\} ([\d.e+]+)/.exec(text)?.[1] ?? NaN);
  const count = Number(/envoy_http_downstream_rq_time_count\{envoy_http_conn_manager_prefix="admin"\} (\d+)/.exec(text)?.[1] ?? NaN);
  return { sum, count };
}

/**
 * One window of STEADY_SECONDS with one build's agent (or none), beside an
 * Envoy already running. The admin histogram is latched at each stats flush
 * (every second here), so the window is read a flush after it ends.
 */
async function window(envoy, build, name) {
  const agent = build ? await startAgent(build, envoy.admin, envoy.path, name) : undefined;
  if (agent) await sleep(SETTLE_SECONDS * 1000); // past the first check and its aftermath, into the steady state
  await sleep(1_100);
  const adminBefore = await adminTime(envoy.admin);
  const mainBefore = mainThreadCpu(envoy.child.pid);
  const before = agent ? usage(agent.child.pid) : undefined;
  const started = Date.now();
  await sleep(STEADY_SECONDS * 1000);
  const after = agent ? usage(agent.child.pid) : undefined;
  const mainAfter = mainThreadCpu(envoy.child.pid);
  const wall = (Date.now() - started) / 1000;
  await sleep(1_100);
  const adminAfter = await adminTime(envoy.admin);
  const status = agent ? await (await fetch(`${agent.endpoint}/v1/status`)).json() : undefined;
  if (agent) await stopProcess(agent.child);
  return {
    build: build?.label ?? 'none',
    cpuPercent: agent ? ((after.cpuSeconds - before.cpuSeconds) / wall) * 100 : 0,
    rssMb: after?.rssMb ?? 0,
    peakMb: after?.peakMb ?? 0,
    // Two of the admin requests in the window are the bench's own reads of the histogram.
    adminPercent: ((adminAfter.sum - adminBefore.sum) / (wall * 1000)) * 100,
    adminRequests: adminAfter.count - adminBefore.count - 1,
    mainThreadPercent: ((mainAfter - mainBefore) / wall) * 100,
    interval: status?.agent.effectiveIntervalMs,
  };
}

async function steadyState(clusters) {
  const config = join(work, `steady-${clusters}.json`);
  writeFileSync(config, JSON.stringify(bootstrap({ clusters, upstreamPort: await freePort(), listenPort: 0 })));
  const envoy = await startEnvoy(config, `steady-${clusters}`);
  const runs = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      runs.push({ rep, ...(await window(envoy, undefined, `steady-${clusters}-none-${rep}`)) });
      for (const build of rep % 2 ? [...BUILDS].reverse() : BUILDS) runs.push({ rep, ...(await window(envoy, build, `steady-${clusters}-${build.label}-${rep}`)) });
    }
  } finally {
    await stopProcess(envoy.child);
  }
  return runs;
}

/** Detection latency of three change kinds beside 1,000 clusters, for one build. */
async function detectionLatency(build) {
  const dir = join(work, `latency-${build.label}`);
  mkdirSync(dir, { recursive: true });
  const clusters = 1000;
  const adminPort = await freePort();
  const base = { clusters, adminPort, upstreamPort: await freePort(), listenPort: 0, cdsPath: join(dir, 'cds.json') };
  const config = join(dir, 'envoy.json');
  const other = join(dir, 'envoy-other.json');
  writeFileSync(config, JSON.stringify(bootstrap(base)));
  writeFileSync(other, JSON.stringify(bootstrap({ ...base, routeTimeout: '16s' })));
  writeFileSync(join(dir, 'cds.json'), cdsFile(clusters));
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  copyFileSync(config, join(declared, 'envoy.json'));
  copyFileSync(join(dir, 'cds.json'), join(declared, 'cds.json'));
  let envoy = await startEnvoy(config, `latency-${build.label}`);
  const agent = await startAgent(build, envoy.admin, declared, `latency-${build.label}`);
  const arrivals = [];
  const close = await readAgentEvents(agent.endpoint, (event, at) => arrivals.push({ at, event }));
  const result = { runtime: [], file: [], restart: [] };
  /** Makes a change, resolves with the time from `made` (set by the change) to the event. */
  const timed = async (change, type, sink) => {
    const seen = arrivals.length;
    const made = await change();
    const arrival = await waitFor(async () => arrivals.slice(seen).find((a) => a.event.type === type), type, 60_000);
    sink?.push(arrival.at - made);
    await sleep(200 + Math.random() * 800); // drifts are made at any phase of the poll
  };
  const writeCds = (changed) => {
    writeFileSync(join(dir, 'cds.next'), cdsFile(clusters, changed));
    const made = performance.now();
    renameSync(join(dir, 'cds.next'), join(dir, 'cds.json'));
    return made;
  };
  const restart = async (path) => {
    await stopProcess(envoy.child);
    envoy = await startEnvoy(path, `latency-${build.label}`);
    return performance.now(); // from the moment the new process is LIVE
  };
  try {
    for (let i = 0; i < DRIFTS; i++) {
      await timed(async () => { const made = performance.now(); await fetch(`${envoy.admin}/runtime_modify?bench.flag=${i + 1}`, { method: 'POST' }); return made; }, 'drift.detected', result.runtime);
      await timed(async () => { await fetch(`${envoy.admin}/runtime_modify?bench.flag`, { method: 'POST' }); return performance.now(); }, 'drift.resolved');
      await timed(async () => writeCds(i % clusters), 'drift.detected', result.file);
      await timed(async () => writeCds(-1), 'drift.resolved');
      if (i < Math.ceil(DRIFTS / 4)) {
        await timed(() => restart(other), 'drift.detected', result.restart);
        await timed(() => restart(config), 'drift.resolved');
      }
    }
  } finally {
    close();
    await stopProcess(agent.child);
    await stopProcess(envoy.child);
  }
  return result;
}

/**
 * Re-checks after one cluster changed, beside `clusters` clusters from a CDS
 * file + as many routes: each check's own duration (the agent's /v1/status,
 * fetch to report) against the first, full one of the same agent (a cold
 * cache: every resource canonicalised) and against a full check asked for
 * afterwards (POST /v1/check: a warm cache, as the agent's periodic full
 * checks run). Three changes, one cluster each (the next one changed, the
 * last one put back): the median re-check.
 */
async function recheck(build, clusters, rep, changes = 3) {
  const name = `recheck-${build.label}-${rep}`;
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const base = { clusters, upstreamPort: await freePort(), listenPort: 0, cdsPath: join(dir, 'cds.json') };
  writeFileSync(join(dir, 'envoy.json'), JSON.stringify(bootstrap(base)));
  writeFileSync(join(dir, 'cds.json'), cdsFile(clusters));
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  copyFileSync(join(dir, 'envoy.json'), join(declared, 'envoy.json'));
  copyFileSync(join(dir, 'cds.json'), join(declared, 'cds.json'));
  const envoy = await startEnvoy(join(dir, 'envoy.json'), name);
  // A token lets the bench ask for a check (POST /v1/check); the agent reads it from its environment.
  const token = 'recheck-bench-token';
  writeFileSync(join(dir, 'token'), token);
  process.env.ENVOY_DRIFT_TOKEN_FILE = join(dir, 'token');
  const agent = await startAgent(build, envoy.admin, declared, name).finally(() => delete process.env.ENVOY_DRIFT_TOKEN_FILE);
  try {
    const status = async () => (await (await fetch(`${agent.endpoint}/v1/status`)).json()).lastCheck;
    const full = await status();
    const arrivals = [];
    const close = await readAgentEvents(agent.endpoint, (event) => arrivals.push(event));
    const rechecks = [];
    for (let i = 0; i < changes; i++) {
      writeFileSync(join(dir, 'cds.next'), cdsFile(clusters, 7 + i));
      renameSync(join(dir, 'cds.next'), join(dir, 'cds.json'));
      await waitFor(async () => arrivals.filter((e) => e.type === 'drift.detected').length > i || undefined, `the changed cluster svc-${7 + i}`, 300_000);
      rechecks.push(await status());
    }
    close();
    const asked = await fetch(`${agent.endpoint}/v1/check`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!asked.ok) throw new Error(`POST /v1/check: ${asked.status} ${await asked.text()}`);
    // A check still running when asked answers for that one: the asked-for check is the next one with that trigger.
    const warm = await waitFor(async () => ((await status()).trigger === 'request' ? status() : undefined), 'the full check asked for');
    return { build: build.label, fullMs: full.durationMs, warmFullMs: warm.durationMs, recheckMs: median(rechecks.map((r) => r.durationMs)), recheckRuns: rechecks.map((r) => r.durationMs), cache: rechecks.at(-1).cache };
  } finally {
    await stopProcess(agent.child);
    await stopProcess(envoy.child);
  }
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
  const config = join(work, 'load.json');
  writeFileSync(config, JSON.stringify(bootstrap({ clusters: 1000, upstreamPort, listenPort })));
  const envoy = await startEnvoy(config, 'load');
  const url = `http://127.0.0.1:${listenPort}/`;
  await waitFor(async () => (await fetch(url)).status === 200, 'traffic through Envoy');
  wrk(url); // warm-up
  const runs = [];
  for (let rep = 0; rep < REPS; rep++) {
    runs.push({ rep, agent: 'none', ...wrk(url) });
    for (const build of rep % 2 ? [...BUILDS].reverse() : BUILDS) {
      const agent = await startAgent(build, envoy.admin, config, `load-${build.label}-${rep}`);
      runs.push({ rep, agent: build.label, ...wrk(url) });
      await stopProcess(agent.child);
    }
  }
  runs.push({ rep: REPS, agent: 'none', ...wrk(url) });
  await stopProcess(envoy.child);
  upstream.kill('SIGTERM');
  return runs;
}

const f = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

try {
  console.log(`builds: ${BUILDS.map((b) => `${b.label}=${b.dist}`).join(', ')}; ${REPS} alternated runs each${AGENT_ARGS.length ? `; agent flags ${AGENT_ARGS.join(' ')}` : ''}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  if (PHASES.has('steady')) {
    for (const clusters of SIZES) {
      const runs = await steadyState(clusters);
      console.log(`\n## Steady state beside ${clusters} clusters + ${clusters} routes (interval 1 s, ${STEADY_SECONDS} s windows)\n\n| run | agent | agent CPU % | agent RSS MB | agent peak MB | Envoy admin time % of wall (its histogram) | admin requests | Envoy main thread CPU % | agent's interval ms |\n|---|---|---|---|---|---|---|---|---|`);
      for (const r of runs) console.log(`| ${r.rep + 1} | ${r.build} | ${f(r.cpuPercent, 2)} | ${f(r.rssMb)} | ${f(r.peakMb)} | ${f(r.adminPercent, 2)} | ${r.adminRequests} | ${f(r.mainThreadPercent, 2)} | ${r.interval ?? '-'} |`);
      console.log(`\n| medians | agent CPU % | agent RSS MB | admin time % | main thread CPU % |\n|---|---|---|---|---|`);
      for (const label of ['none', ...BUILDS.map((b) => b.label)]) {
        const mine = runs.filter((r) => r.build === label);
        console.log(`| ${label} | ${f(median(mine.map((r) => r.cpuPercent)), 2)} | ${f(median(mine.map((r) => r.rssMb)))} | ${f(median(mine.map((r) => r.adminPercent)), 2)} | ${f(median(mine.map((r) => r.mainThreadPercent)), 2)} |`);
      }
      console.log(`\nload average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    }
  }
  if (PHASES.has('latency')) {
    // Printed per build as it completes: a slow build must not hide the others' figures.
    console.log(`\n## Detection latency beside 1,000 clusters (change to drift.detected on /v1/events, interval 1 s)\n\n| build | change | n | median | p99 | max |\n|---|---|---|---|---|---|`);
    for (const build of BUILDS) {
      const result = await detectionLatency(build);
      for (const [kind, values] of Object.entries(result)) console.log(`| ${build.label} | ${kind} | ${values.length} | ${f(percentile(values, 50))} ms | ${f(percentile(values, 99))} ms | ${f(Math.max(...values))} ms |`);
    }
  }
  if (PHASES.has('recheck')) {
    const runs = [];
    for (let rep = 0; rep < REPS; rep++) for (const build of rep % 2 ? [...BUILDS].reverse() : BUILDS) runs.push(await recheck(build, SIZES.at(-1), rep));
    console.log(`\n## Re-check after one cluster changed, beside ${SIZES.at(-1)} clusters (CDS file) + as many routes\n\n| build | first (full) check | full check asked for after | re-checks | median re-check | ratio to the first | ratio to the one asked for | cache after the last re-check |\n|---|---|---|---|---|---|---|---|`);
    for (const r of runs) console.log(`| ${r.build} | ${r.fullMs} ms | ${r.warmFullMs} ms | ${r.recheckRuns.join(', ')} ms | ${r.recheckMs} ms | ${f((r.recheckMs / r.fullMs) * 100, 1)} % | ${f((r.recheckMs / r.warmFullMs) * 100, 1)} % | ${JSON.stringify(r.cache)} |`);
  }
  if (PHASES.has('load')) {
    const runs = await underLoad();
    console.log(`\n## HTTP through Envoy under load (wrk -t1 -c32 -d${LOAD_SECONDS}s, Envoy --concurrency 1, 1,000 clusters${PIN ? ', pinned' : ''})\n\n| run | agent | p50 | p99 | requests/s |\n|---|---|---|---|---|`);
    for (const r of runs) console.log(`| ${r.rep + 1} | ${r.agent} | ${f(r.p50, 2)} ms | ${f(r.p99, 2)} ms | ${f(r.rps)} |`);
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
