import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { request } from 'undici';
// The project's own set-up script knows where it built the fixture.
import { controlPlaneBinary } from '../../scripts/setup/control-plane.mjs';
import { grpcCluster } from './grpc-cluster.js';
import { eventually } from './eventually.js';

/** What the fixture serves for one node: proto3 JSON resources, by type. */
export interface FixtureSnapshot {
  readonly version: string;
  readonly clusters?: readonly unknown[];
  readonly listeners?: readonly unknown[];
  readonly routes?: readonly unknown[];
  readonly endpoints?: readonly unknown[];
  readonly secrets?: readonly unknown[];
}

export interface FixtureStreams {
  /** Open ADS streams by the client's user agent (`envoy`, `envoy-drift`). */
  readonly open: Record<string, number>;
  readonly nacks: ReadonlyArray<{ userAgent: string; typeUrl: string; version: string; message: string }>;
}

export interface RunningControlPlane {
  /** `127.0.0.1:<port>` of the xDS gRPC server. */
  readonly address: string;
  readonly port: number;
  put(node: string, snapshot: FixtureSnapshot): Promise<void>;
  clear(node: string): Promise<void>;
  streams(): Promise<FixtureStreams>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Bind this gRPC address (a restart on the port it had); default 127.0.0.1:0. */
  readonly grpc?: string;
  readonly tls?: { readonly cert: string; readonly key: string; readonly clientCa?: string };
}

/** Starts the real go-control-plane fixture on loopback (free ports). */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<RunningControlPlane> {
  const binary = process.env['CONTROL_PLANE_BIN'] ?? controlPlaneBinary();
  if (!existsSync(binary)) throw new Error(`no control-plane fixture at ${binary}: run npm run setup`);
  const args = ['-grpc', options.grpc ?? '127.0.0.1:0', '-http', '127.0.0.1:0'];
  if (options.tls) args.push('-tls-cert', options.tls.cert, '-tls-key', options.tls.key, ...(options.tls.clientCa ? ['-tls-ca', options.tls.clientCa] : []));
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<{ grpc: string; http: string }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(JSON.parse(line) as { grpc: string; http: string }));
    child.once('exit', (code) => reject(new Error(`control-plane fixture exited with ${code}: ${stderr.trim()}`)));
  });
  const http = `http://${ready.http}`;
  const call = async (method: 'PUT' | 'DELETE' | 'GET', path: string, body?: unknown) => {
    const response = await request(`${http}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`control-plane fixture ${method} ${path}: HTTP ${response.statusCode} ${text}`);
    return text;
  };
  return {
    address: ready.grpc,
    port: Number(ready.grpc.slice(ready.grpc.lastIndexOf(':') + 1)),
    put: async (node, snapshot) => void (await call('PUT', `/snapshots/${encodeURIComponent(node)}`, snapshot)),
    clear: async (node) => void (await call('DELETE', `/snapshots/${encodeURIComponent(node)}`)),
    streams: async () => {
      const answer = JSON.parse(await call('GET', '/streams')) as { open: FixtureStreams['open'] | null; nacks: FixtureStreams['nacks'] | null };
      return { open: answer.open ?? {}, nacks: answer.nacks ?? [] };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An Envoy bootstrap whose listeners and clusters come over ADS from `address` (gRPC, HTTP/2 on loopback). */
export function adsBootstrap(address: string, options: { tls?: { ca: string; cert: string; key: string } } = {}): Record<string, unknown> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    layered_runtime: { layers: [{ name: 'static', static_layer: {} }, { name: 'admin', admin_layer: {} }] },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          ...grpcCluster('xds', host, port),
          ...(options.tls
            ? {
                transport_socket: {
                  name: 'envoy.transport_sockets.tls',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
                    sni: 'localhost',
                    common_tls_context: {
                      tls_certificates: [{ certificate_chain: { filename: options.tls.cert }, private_key: { filename: options.tls.key } }],
                      validation_context: { trusted_ca: { filename: options.tls.ca } },
                    },
                  },
                },
              }
            : {}),
        },
      ],
    },
  };
}

/** Waits until Envoy's subscriptions moved as `done` says (its `version_text` and `update_rejected` stats). */
export async function waitForStats(admin: string, done: (stats: Record<string, string>) => boolean, timeoutMs = 20_000): Promise<Record<string, string>> {
  return eventually(async () => {
    const text = await (await request(`${admin}/stats?filter=(version_text|update_rejected)`)).body.text();
    return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => {
      const at = line.indexOf(': ');
      return [line.slice(0, at), line.slice(at + 2).replace(/^"|"$/g, '')];
    })) as Record<string, string>;
  }, "Envoy's xDS stats", { timeoutMs, until: done });
}

/** Every subscription (listeners, clusters, routes) at `version`. */
export const allAt = (version: string) => (stats: Record<string, string>) => {
  const versions = Object.entries(stats).filter(([k]) => k.endsWith('version_text')).map(([, v]) => v);
  return versions.length >= 3 && versions.every((v) => v === version);
};
