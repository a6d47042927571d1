import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { ciValues, projectRoot, render } from './helm.js';

interface SocketAddress {
  address: string;
  port_value: number;
}
interface Bootstrap {
  admin: { address: { pipe: { path: string; mode?: number } } };
  static_resources: {
    listeners: Array<{ name: string; address: { socket_address: SocketAddress } }>;
    clusters: Array<{
      name: string;
      load_assignment: { endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: SocketAddress } } }> }> };
    }>;
  };
}

const { envoyBinary } = (await import(pathToFileURL(join(projectRoot, 'scripts', 'setup', 'envoy.mjs')).href)) as { envoyBinary: () => string };
const envoy = process.env.ENVOY_BIN ?? envoyBinary();

/** The bootstrap exactly as the chart renders it into its ConfigMap. */
function renderedBootstrap(values: string): string {
  const { manifests } = render({ valuesFiles: [ciValues(values)], showOnly: 'templates/configmap-bootstrap.yaml' });
  const data = (manifests[0] as unknown as { data: Record<string, string> }).data['envoy.yaml'];
  if (!data) throw new Error('the bootstrap ConfigMap has no envoy.yaml');
  return data;
}

/**
 * The same bootstrap, made safe to run here: listeners on 127.0.0.1 port 0,
 * upstream endpoints on 127.0.0.1 (no lookups of cluster names leave the
 * machine), the admin socket in a temporary directory. Nothing else changes.
 */
function forLoopback(text: string, dir: string): Bootstrap {
  const bootstrap = parse(text) as Bootstrap;
  bootstrap.admin.address.pipe.path = join(dir, 'admin.sock');
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

t.test('the bootstrap that the chart renders passes the real Envoy validation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-bootstrap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const values of ['minimal', 'full'] as const) {
    const bootstrap = forLoopback(renderedBootstrap(values), dir);
    t.equal(bootstrap.static_resources.listeners.length, 2, `${values}: the traffic and the readiness listeners`);
    const file = join(dir, `${values}.yaml`);
    writeFileSync(file, stringify(bootstrap));
    const run = spawnSync(envoy, ['--mode', 'validate', '--config-path', file, '--disable-hot-restart', '--log-level', 'error'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    t.equal(run.status, 0, `${values}: ${run.stdout}${run.stderr}`);
  }
});
