import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { ENVOY_BIN, loopbackOnly, startEnvoy } from '../helpers/envoy.js';
import { ciValues, projectRoot, render } from './helm.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-bootstrap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
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
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
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
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`envoy exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
      const live = await request('http://localhost/ready', { dispatcher })
        .then(async ({ statusCode, body }) => statusCode === 200 && (await body.text()).trim() === 'LIVE')
        .catch(() => false);
      if (live) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`envoy: not LIVE on ${socketPath} after 20s:\n${log()}`);
  } finally {
    await dispatcher.close();
  }
}

t.test('check reaches Envoy through the admin unix socket, as the agent does in the pod', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-socket-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The test helper speaks TCP to the admin; the pod's socket needs this one start of its own.
  const bootstrap = forLoopback(renderedFile('minimal', 'configmap-bootstrap.yaml', 'envoy.yaml'), dir);
  const socketPath = bootstrap.admin.address.pipe?.path ?? '';
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

  const result = await check(`unix:${socketPath}`, file);
  t.equal(result.status, 0, `check exits 0 (in sync):\n${result.output}`);
});
