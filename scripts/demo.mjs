#!/usr/bin/env node
// The demo: a real Envoy on loopback with the embedded access-proxy config
// (examples/demo/envoy.yaml), checked against that same file as the
// declaration; then a hand-made admin call and a changed route, each found
// and named. Exits 0 only when every step did what it should.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAgentEvents } from './agent-events.mjs';
import { envoyBinary } from './setup/envoy.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const declared = join(root, 'examples', 'demo', 'envoy.yaml');
const cli = join(root, 'dist', 'cli', 'bin.js');
const envoyBin = process.env.ENVOY_BIN ?? envoyBinary();
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-demo-'));

const say = (text) => console.log(`\n\u001b[1m== ${text}\u001b[22m`);

function startEnvoy(config) {
  const addressFile = join(work, `admin-${Date.now()}`);
  const child = spawn(envoyBin, ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error', '--service-node', 'demo-proxy', '--service-cluster', 'demo'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`envoy exited with ${child.exitCode}`));
      if (existsSync(addressFile) && readFileSync(addressFile, 'utf8').trim()) {
        const admin = `http://${readFileSync(addressFile, 'utf8').trim()}`;
        const ready = await fetch(`${admin}/ready`).then((r) => r.text()).catch(() => '');
        if (ready.trim() === 'LIVE') return resolve({ child, admin });
      }
      if (Date.now() > deadline) return reject(new Error('envoy did not become LIVE within 20 s'));
      setTimeout(poll, 50);
    };
    poll();
  });
}

function stop({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function waitFor(probe, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function startAgent(admin) {
  const child = spawn(process.execPath, [cli, 'agent', '--admin', admin, '--declared', declared, '--data-dir', join(work, 'agent-data'), '--listen', '127.0.0.1:0', '--interval', '500ms', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
    child.stderr.on('data', () => {
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve({ child, endpoint: match[1] });
    });
  });
}

/** The agent's server-sent events, waited for by type. */
async function subscribe(endpoint) {
  const seen = [];
  const close = await readAgentEvents(endpoint, (event) => seen.push(event));
  return {
    async next(type) {
      let found;
      await waitFor(async () => (found = seen.find((e) => e.type === type)) !== undefined, `a ${type} event`);
      return found;
    },
    close,
  };
}

function check(admin, expected, extra = []) {
  const result = spawnSync(process.execPath, [cli, 'check', '--admin', admin, '--declared', declared, ...extra], { stdio: 'inherit' });
  console.log(`(exit code ${result.status})`);
  if (result.status !== expected) throw new Error(`expected exit code ${expected}, got ${result.status}`);
}

let envoy;
try {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm ci (it builds the CLI)`);
  say(`Starting Envoy (${envoyBin}) with ${declared}`);
  envoy = await startEnvoy(declared);
  console.log(`Envoy admin at ${envoy.admin}`);

  say('1. The proxy runs what is declared: envoy-drift check');
  check(envoy.admin, 0);

  say('2. Someone flips a feature flag by hand: POST /runtime_modify?payments.feature_x.enabled=false');
  await fetch(`${envoy.admin}/runtime_modify?payments.feature_x.enabled=false`, { method: 'POST' });
  check(envoy.admin, 1);

  say('3. A pipeline ships a changed route and a wider CORS policy (Envoy restarted with another file)');
  const changed = readFileSync(declared, 'utf8')
    .replace('timeout: 3s', 'timeout: 30s')
    .replace('- exact: https://shop.example.com', '- exact: https://shop.example.com\n                            - prefix: "https://"');
  const changedPath = join(work, 'changed.yaml');
  writeFileSync(changedPath, changed);
  await stop(envoy);
  envoy = await startEnvoy(changedPath);
  check(envoy.admin, 1, ['--service', 'payments']);

  say('4. The same finding as JSON, for pipelines (first finding shown)');
  const json = spawnSync(process.execPath, [cli, 'check', '--admin', envoy.admin, '--declared', declared, '--format', 'json', '--service', 'payments'], { encoding: 'utf8' });
  const report = JSON.parse(json.stdout);
  console.log(JSON.stringify({ inSync: report.inSync, drift: report.drift.slice(0, 1) }, null, 2));
  say('5. The sidecar agent beside the same Envoy: envoy-drift agent');
  await stop(envoy);
  envoy = await startEnvoy(declared);
  const agent = await startAgent(envoy.admin);
  try {
    console.log(`agent endpoint ${agent.endpoint}; waiting for its first check`);
    await waitFor(async () => (await fetch(`${agent.endpoint}/readyz`)).status === 200, 'the agent to be ready');
    const events = await subscribe(agent.endpoint);
    console.log('POST /runtime_modify?payments.feature_x.enabled=false on the proxy, by hand');
    await fetch(`${envoy.admin}/runtime_modify?payments.feature_x.enabled=false`, { method: 'POST' });
    const detected = await events.next('drift.detected');
    console.log(`event ${detected.type}: ${detected.message} [finding ${detected.findingId}, attribution: ${detected.attribution?.source}]`);
    const drift = await (await fetch(`${agent.endpoint}/v1/drift/_proxy`)).json();
    console.log(`GET /v1/drift/_proxy: inSync=${drift.inSync}, ${drift.drift.map((d) => `${d.resourceType} ${d.name} ${d.paths.map((p) => `${p.path}=${JSON.stringify(p.live)}`).join(' ')}`).join('; ')}`);
    console.log('Undoing it by hand');
    await fetch(`${envoy.admin}/runtime_modify?payments.feature_x.enabled`, { method: 'POST' });
    const resolved = await events.next('drift.resolved');
    console.log(`event ${resolved.type}: ${resolved.message} [finding ${resolved.findingId}]`);
    if (resolved.findingId !== detected.findingId) throw new Error('the resolved finding is not the detected one');
    events.close();
  } finally {
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => agent.child.once('exit', resolve));
  }
  say('Demo complete: in sync was in sync, and every change was found, named and, by the agent, reported as it happened.');
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (envoy) await stop(envoy);
  rmSync(work, { recursive: true, force: true });
}
