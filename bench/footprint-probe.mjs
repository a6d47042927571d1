// Where the agent's memory goes, per isolate (issue 9): starts Envoy with the
// edge config (bench/edge-config.mjs) and one agent per build at a 1 s
// interval, lets it reach the steady state, then reads the process RSS from
// /proc and what a preloaded probe (PROBE, default bench/footprint-preload.mjs; the check worker loads it only if its check-worker.js imports it first) wrote
// for each thread: process.memoryUsage(), V8 heap and space statistics and,
// with SNAP=1, a heap snapshot per isolate.
//   BUILDS=a=dist,b=dist-x node bench/footprint-probe.mjs [clusters=1000] [steadySeconds=20] [reps=1]
// AGENT_NODE_ARGS adds node flags to the agent's process (e.g. --max-semi-space-size=1);
// ARGS_<label> and ENV_<label> (space-separated K=V) add flags or environment to one build's agent.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envoyBinary } from '../scripts/setup/envoy.mjs';
import { builds } from './builds.mjs';
import { bootstrap } from './edge-config.mjs';

const CLUSTERS = Number(process.argv[2] ?? 1000);
const STEADY = Number(process.argv[3] ?? 20);
const REPS = Number(process.argv[4] ?? 1);
const PROBE = process.env.PROBE ?? new URL('./footprint-preload.mjs', import.meta.url).pathname;
// MAIN_LABELS=a,b: those builds run the check on the main thread (FP_CHECK_THREAD=main, prototype).
const MAIN_LABELS = new Set((process.env.MAIN_LABELS ?? '').split(',').filter(Boolean));
const NODE_ARGS = (process.env.AGENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-fp-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
async function waitFor(probe, what, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) { const v = await probe().catch(() => undefined); if (v) return v; await sleep(50); }
  throw new Error(`timed out waiting for ${what}`);
}
const mb = (b) => Math.round((b / 1048576) * 10) / 10;
function proc(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)[1]) / 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile'), threads: Number(/Threads:\s+(\d+)/.exec(status)[1]), cpu: (Number(stat[11]) + Number(stat[12])) / 100 };
}

const config = join(work, 'envoy.json');
writeFileSync(config, JSON.stringify(bootstrap({ clusters: CLUSTERS, upstreamPort: await freePort(), listenPort: 0 })));
const addressFile = join(work, 'admin');
const envoy = spawn(envoyBinary(), ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error'], { stdio: 'ignore' });
const admin = await waitFor(async () => existsSync(addressFile) && readFileSync(addressFile, 'utf8').trim() && (await (await fetch(`http://${readFileSync(addressFile, 'utf8').trim()}/ready`)).text()).trim() === 'LIVE' && `http://${readFileSync(addressFile, 'utf8').trim()}`, 'Envoy');
try {
  for (let rep = 0; rep < REPS; rep++) for (const build of builds()) {
    const dir = join(work, `probe-${build.label}-${rep}`);
    mkdirSync(dir);
    const child = spawn(process.execPath, [...NODE_ARGS, ...(process.env[`ARGS_${build.label}`] ?? '').split(' ').filter(Boolean), '--import', PROBE, build.cli, 'agent', '--admin', admin, '--declared', config, '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--interval', '1s', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FP_PROBE_DIR: dir, ...(MAIN_LABELS.has(build.label) ? { FP_CHECK_THREAD: 'main' } : {}), ...Object.fromEntries((process.env[`ENV_${build.label}`] ?? '').split(' ').filter(Boolean).map((kv) => kv.split('='))) } });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const endpoint = await waitFor(async () => /listening on (\S+)/.exec(stderr)?.[1], 'agent');
    await waitFor(async () => (await fetch(`${endpoint}/readyz`)).status === 200, 'agent ready');
    await sleep(5000);
    const before = proc(child.pid);
    await sleep(STEADY * 1000);
    const after = proc(child.pid);
    if (process.env.SNAP === '1') { writeFileSync(join(dir, 'snap-now'), ''); await sleep(8000); } else await sleep(2100);
    const status = await (await fetch(`${endpoint}/v1/status`)).json();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const threads = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    console.log(`\n## ${build.label} rep ${rep}: RSS ${after.rss.toFixed(1)} MB (anon ${after.anon.toFixed(1)}, file ${after.file.toFixed(1)}), peak ${after.hwm.toFixed(1)} MB, ${after.threads} threads, CPU ${(((after.cpu - before.cpu) / STEADY) * 100).toFixed(2)} %, last check ${JSON.stringify(status.lastCheck && { trigger: status.lastCheck.trigger, durationMs: status.lastCheck.durationMs, cache: status.lastCheck.cache })}`);
    for (const t of threads.sort((a, b) => b.isMainThread - a.isMainThread)) {
      const s = t.spaces;
      console.log(`${t.isMainThread ? 'main  ' : 'worker'} heap total ${mb(t.heap.total_heap_size)} used ${mb(t.heap.used_heap_size)} | new ${mb(s.new_space?.size ?? 0)} old ${mb(s.old_space.size)}/${mb(s.old_space.used)} code ${mb(s.code_space.size)} large ${mb(s.large_object_space.size)} map ${mb(s.map_space?.size ?? 0)} | external ${mb(t.memoryUsage.external)} arrayBuffers ${mb(t.memoryUsage.arrayBuffers)} | bytecode+metadata ${mb(t.codeStats.bytecode_and_metadata_size)} native contexts ${t.heap.number_of_native_contexts}`);
    }
    if (process.env.SNAP === '1') console.log(`snapshots: ${readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).map((f) => join(dir, f)).join(' ')}`);
  }
} finally {
  envoy.kill('SIGTERM');
}
