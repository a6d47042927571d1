import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { getJson, startAgent } from '../helpers/agent.js';
import { ENVOY_BIN, loopbackOnly, startEnvoy } from '../helpers/envoy.js';
import { ciValues, projectRoot, render } from './helm.js';
import { configMapData, container, flag, podSpec, type Container } from './pod.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

interface SocketAddress {
  address: string;
  port_value: number;
}
interface Bootstrap {
  admin: { address: { pipe?: { path: string; mode?: number } } };
  static_resources: {
    listeners: Array<{ name: string; address: { socket_address: SocketAddress } }>;
    clusters: Array<{
      name: string;
      connect_timeout?: string;
      load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: SocketAddress } } }> }> };
    }>;
  };
}

/** One key of a ConfigMap, exactly as the chart renders it. */
function renderedFile(values: string, template: string, key: string): string {
  const { manifests } = render({ valuesFiles: [ciValues(values)], showOnly: `templates/${template}` });
  const data = (manifests[0] as unknown as { data: Record<string, string> }).data[key];
  if (!data) throw new Error(`${template} has no ${key}`);
  return data;
}

/**
 * The bootstrap, made safe to run here: listeners on 127.0.0.1 port 0, the
 * upstream endpoints on 127.0.0.1 (so no lookup of a cluster-local name leaves
 * the machine), the admin socket in a temporary directory. Nothing else changes.
 */
function forLoopback(text: string, dir: string): Bootstrap {
  const bootstrap = parse(text) as Bootstrap;
  if (bootstrap.admin.address.pipe) bootstrap.admin.address.pipe.path = join(dir, 'admin.sock');
  for (const listener of bootstrap.static_resources.listeners) {
    listener.address.socket_address = { address: '127.0.0.1', port_value: 0 };
  }
  for (const cluster of bootstrap.static_resources.clusters) {
    for (const locality of cluster.load_assignment.endpoints) {
      for (const { endpoint } of locality.lb_endpoints) endpoint.address.socket_address.address = '127.0.0.1';
    }
  }
  return bootstrap;
}

/** `envoy-drift check` from the sources, as CI would run the built CLI; exits are captured, not taken. */
function check(admin: string, declared: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src', 'cli', 'bin.ts'), 'check', '--admin', admin, '--declared', declared], {
      cwd: projectRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

t.test('the bootstrap that the chart renders passes the real Envoy validation, admin socket included', async (t) => {
  const dir = workdir(t, 'envoy-drift-bootstrap-');
  for (const values of ['minimal', 'full'] as const) {
    const bootstrap = forLoopback(renderedFile(values, 'configmap-bootstrap.yaml', 'envoy.yaml'), dir);
    t.equal(bootstrap.static_resources.listeners.length, 2, `${values}: the traffic and the readiness listeners`);
    const file = join(dir, `${values}.yaml`);
    writeFileSync(file, stringify(bootstrap));
    const run = spawnSync(ENVOY_BIN, ['--mode', 'validate', '--config-path', file, '--disable-hot-restart', '--log-level', 'error'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    t.equal(run.status, 0, `${values}: ${run.stdout}${run.stderr}`);
  }
});

/**
 * Lays files out the way the kubelet mounts a ConfigMap: the data in a
 * timestamped dot-directory, `..data` pointing at it, and each key a symlink
 * through `..data`. An update writes a new dot-directory and swaps `..data`
 * in one rename, which is what a watching agent sees.
 */
function writeConfigMapMount(mount: string, version: number, files: Record<string, string>): void {
  const dataDir = `..2026_01_01_00_00_00.${String(version).padStart(9, '0')}`;
  mkdirSync(join(mount, dataDir), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(mount, dataDir, name), content);
    if (!existsSync(join(mount, name))) symlinkSync(join('..data', name), join(mount, name));
  }
  symlinkSync(dataDir, join(mount, '..data_tmp'));
  renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
}

t.test('Envoy runs the rendered bootstrap, and check finds it in sync with the rendered declared snapshot', async (t) => {
  const dir = workdir(t, 'envoy-drift-check-');
  const { manifests } = render({ valuesFiles: [ciValues('full')] });
  const data = (name: string) => (manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name) as unknown as { data: Record<string, string> }).data;
  // The helper's admin is TCP on loopback; the same rewrite goes to both sides.
  const onLoopback = (text: string) => loopbackOnly(forLoopback(text, dir) as unknown as Record<string, unknown>);
  const running = onLoopback(data('edge-envoy-drift-bootstrap')['envoy.yaml'] ?? '');
  const declaredFiles = { ...data('edge-envoy-drift-declared') };
  const declared = onLoopback(declaredFiles['bootstrap.yaml'] ?? '');
  t.same(declared, running, 'the declared snapshot is the bootstrap Envoy runs');
  t.same(Object.keys(declaredFiles).sort(), ['bootstrap.yaml', 'envoy-drift.yaml'], "the bootstrap beside the values' declared files");

  const envoy = await startEnvoy({ config: running });
  t.teardown(() => envoy.stop());
  const mount = join(dir, 'declared');
  writeConfigMapMount(mount, 1, { ...declaredFiles, 'bootstrap.yaml': stringify(declared) });

  const inSync = await check(envoy.admin, mount);
  t.equal(inSync.status, 0, `check exits 0 (in sync):\n${inSync.output}`);
  t.match(inSync.output, /payments/, 'the services of the declared manifest');

  // The ConfigMap is updated to declare a cluster setting that Envoy does not run.
  const changed = structuredClone(declared) as unknown as Bootstrap;
  const billing = changed.static_resources.clusters.find((c) => c.name === 'billing');
  if (!billing) throw new Error('the full values declare no billing cluster');
  billing.connect_timeout = '7s';
  writeConfigMapMount(mount, 2, { ...declaredFiles, 'bootstrap.yaml': stringify(changed) });
  const drift = await check(envoy.admin, mount);
  t.equal(drift.status, 1, `check exits 1 (drift):\n${drift.output}`);
  t.match(drift.output, /payments\s+cluster billing\s+modified/, 'the report names the service and the drifted cluster');
});

/** Waits until the Envoy behind this admin socket is LIVE, or fails with its log. */
async function waitLive(socketPath: string, child: ChildProcess, log: () => string): Promise<void> {
  const dispatcher = new Agent({ connect: { socketPath } });
  try {
    await eventually(async () => {
      const { statusCode, body } = await request('http://localhost/ready', { dispatcher });
      return statusCode === 200 && (await body.text()).trim() === 'LIVE';
    }, `envoy LIVE on ${socketPath}`, { timeoutMs: 20_000, abort: () => (child.exitCode !== null || child.signalCode !== null ? `envoy exited (${child.exitCode ?? child.signalCode}):\n${log()}` : undefined) });
  } finally {
    await dispatcher.close();
  }
}

/** Starts Envoy on this bootstrap, its admin on the bootstrap's unix socket, and waits until it is LIVE. */
async function startEnvoyOnSocket(t: Test, bootstrap: Bootstrap, dir: string): Promise<string> {
  // The test helper speaks TCP to the admin; the pod's socket needs a start of its own.
  const socketPath = bootstrap.admin.address.pipe?.path;
  if (!socketPath) throw new Error('the bootstrap has no admin pipe');
  const file = join(dir, 'envoy.yaml');
  writeFileSync(file, stringify(bootstrap));
  let log = '';
  const child = spawn(ENVOY_BIN, ['--config-path', file, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });
  await waitLive(socketPath, child, () => log);
  return socketPath;
}

t.test("the agent runs with the chart's command line beside the chart's Envoy, through the admin socket", async (t) => {
  const dir = workdir(t, 'envoy-drift-agent-');
  const { manifests } = render({ valuesFiles: [ciValues('minimal')] });
  const socketPath = await startEnvoyOnSocket(t, forLoopback(configMapData(manifests, 'edge-envoy-drift-bootstrap')['envoy.yaml'] ?? '', dir), dir);

  // envoy-drift check over the same socket.
  const declared = stringify(forLoopback(configMapData(manifests, 'edge-envoy-drift-declared')['bootstrap.yaml'] ?? '', dir));
  const mount = join(dir, 'declared');
  writeConfigMapMount(mount, 1, { 'bootstrap.yaml': declared });
  const checked = await check(`unix:${socketPath}`, mount);
  t.equal(checked.status, 0, `check exits 0 (in sync):\n${checked.output}`);

  // The agent, with the chart's flags; only the pod's paths become this test's.
  const agentContainer = container(podSpec(manifests), 'envoy-drift');
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'config.yaml'), configMapData(manifests, 'edge-envoy-drift-agent')['config.yaml'] ?? '');
  const local: Record<string, string> = {
    admin: `unix:${socketPath}`,
    declared: mount,
    'data-dir': join(dir, 'data'),
    'token-file': join(dir, 'token'),
    config: join(dir, 'config.yaml'),
  };
  t.equal(flag(agentContainer, 'admin'), 'unix:/var/run/envoy/admin.sock', "in the pod, the agent reads Envoy's admin socket");
  const args = (agentContainer.args ?? []).slice(1).flatMap((arg) => {
    const [, name = '', value = ''] = /^--([^=]+)=(.*)$/.exec(arg) ?? [];
    // The helper binds 127.0.0.1:0 in place of the pod's 0.0.0.0.
    if (name === 'listen') return [];
    return [`--${name}`, local[name] ?? value];
  });
  const agent = await startAgent(args);
  t.teardown(async () => {
    await agent.stop();
  });

  const probe = (c: Container, kind: 'readinessProbe' | 'livenessProbe') => `${agent.endpoint}${c[kind]?.httpGet?.path ?? '/missing'}`;
  const ready = await eventually(async () => (await request(probe(agentContainer, 'readinessProbe'))).statusCode === 200, 'readiness', 20_000);
  t.ok(ready, "the chart's readiness probe path answers 200 once the first check is done");
  t.equal((await request(probe(agentContainer, 'livenessProbe'))).statusCode, 200, "the chart's liveness probe path answers 200");
  const drift = await getJson<{ inSync: boolean }>(`${agent.endpoint}/v1/drift`);
  t.equal(drift.body.inSync, true, 'the agent finds the chart\'s Envoy in sync with the chart\'s declared snapshot');
  const metrics = await (await request(`${agent.endpoint}/metrics`)).body.text();
  t.match(metrics, /envoydrift_proxy_reachable 1/, 'the agent reaches Envoy through the socket');

  // The token from the file guards the mutating route.
  t.equal((await request(`${agent.endpoint}/v1/check`, { method: 'POST' })).statusCode, 401, 'POST /v1/check without the token');
  const authorised = await request(`${agent.endpoint}/v1/check`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  await authorised.body.text();
  t.equal(authorised.statusCode, 200, 'POST /v1/check with the token from the mounted file');

  // A ConfigMap update (one ..data swap) reaches the watching agent without a restart.
  const changed = parse(declared) as { static_resources: { listeners: Array<{ name: string; per_connection_buffer_limit_bytes?: number }> } };
  const listener = changed.static_resources.listeners.find((l) => l.name === 'ingress_http');
  if (!listener) throw new Error('no ingress_http listener');
  listener.per_connection_buffer_limit_bytes = 65536;
  writeConfigMapMount(mount, 2, { 'bootstrap.yaml': stringify(changed) });
  const drifted = await eventually(async () => (await getJson<{ inSync: boolean }>(`${agent.endpoint}/v1/drift`)).body, 'drift after the ConfigMap update', { timeoutMs: 20_000, until: (body) => body.inSync === false });
  t.equal(drifted.inSync, false, 'the agent reports drift from the updated declared snapshot');
  t.match(await (await request(`${agent.endpoint}/metrics`)).body.text(), /envoydrift_drift_resources\{[^}]*\} 1/, 'and counts it in the metric the drift alert reads');
});
