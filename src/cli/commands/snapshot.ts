import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { isPlainObject } from '../../canonical/canonical-json.js';
import { buildLock, LOCK_FILE_NAME } from '../../declared/lock-file.js';
import { MANIFEST_API_VERSION } from '../../declared/manifest.js';
import { edsClusters } from '../../envoy-admin/live-state.js';
import { durationSetting } from '../../common/duration.js';
import { DriftError, ErrorCodes } from '../../errors.js';
import { CONTROL_PLANE_FLAGS, CONTROL_PLANE_USAGE, controlPlaneOptions } from '../control-plane-flags.js';
import { intentFiles } from '../../control-plane/intent-files.js';
import { readIntent } from '../../control-plane/read-intent.js';
import { envoyRegistry } from '../../proto/envoy-registry.js';
import { resourceSetRoot } from '../../resources/resource-set.js';
import { ExitCode, parseCommandArgs, requireOption, type Command } from '../command.js';
import { adminClient, loadDeclaredOrThrow } from '../shared.js';

type Entry = Record<string, unknown>;

const SECTIONS: Array<{ dump: string; file: string; lists: Array<[string, string[]]> }> = [
  { dump: 'ListenersConfigDump', file: 'listeners.yaml', lists: [['static_listeners', ['listener']], ['dynamic_listeners', ['active_state', 'listener']]] },
  { dump: 'ClustersConfigDump', file: 'clusters.yaml', lists: [['static_clusters', ['cluster']], ['dynamic_active_clusters', ['cluster']]] },
  { dump: 'RoutesConfigDump', file: 'routes.yaml', lists: [['dynamic_route_configs', ['route_config']]] },
  { dump: 'SecretsConfigDump', file: 'secrets.yaml', lists: [['static_secrets', ['secret']], ['dynamic_active_secrets', ['secret']]] },
  { dump: 'EndpointsConfigDump', file: 'endpoints.yaml', lists: [['static_endpoint_configs', ['endpoint_config']], ['dynamic_endpoint_configs', ['endpoint_config']]] },
];

function dig(entry: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isPlainObject(node) ? node[key] : undefined), entry);
}

/** The live config as declaration files: the bootstrap without its static resources, and every active resource as xDS files. */
export function snapshotFiles(dump: unknown, runtime: unknown): Map<string, unknown> {
  if (!isPlainObject(dump) || !Array.isArray(dump['configs'])) throw new DriftError(ErrorCodes.ADMIN_BAD_RESPONSE, 'config dump: no "configs" list');
  const files = new Map<string, unknown>();
  const configs = dump['configs'].filter(isPlainObject) as Entry[];
  const typeOf = (c: Entry) => String(c['@type'] ?? '').replace(/^.*\./, '');
  const bootstrap = configs.find((c) => typeOf(c) === 'BootstrapConfigDump')?.['bootstrap'];
  let adminLayers: string[] = [];
  if (isPlainObject(bootstrap)) {
    const { node: _node, static_resources: _static, ...rest } = bootstrap;
    files.set('bootstrap.yaml', rest);
    const layered = rest['layered_runtime'];
    if (isPlainObject(layered) && Array.isArray(layered['layers'])) {
      adminLayers = layered['layers'].filter((l): l is Entry => isPlainObject(l) && 'admin_layer' in l).map((l) => String(l['name']));
    }
  }
  const eds = edsClusters(configs);
  for (const section of SECTIONS) {
    const config = configs.find((c) => typeOf(c) === section.dump);
    if (!config) continue;
    // A resource without a name cannot be declared (old EDS dumps have some); it is left out,
    // and so is a static cluster's inline assignment, which is declared with its cluster.
    const resources = section.lists
      .flatMap(([list, path]) =>
        (Array.isArray(config[list]) ? (config[list] as unknown[]).map((e) => dig(e, path)).filter(isPlainObject) : []).filter(
          (r) => list !== 'static_endpoint_configs' || eds.has(String(r['cluster_name'])),
        ),
      )
      .filter((r) => (typeof (r['name'] ?? r['cluster_name']) === 'string' && (r['name'] ?? r['cluster_name']) !== '') || section.file === 'listeners.yaml');
    if (resources.length > 0) files.set(section.file, { version_info: 'envoy-drift-snapshot', resources });
  }
  if (isPlainObject(runtime) && isPlainObject(runtime['entries']) && Array.isArray(runtime['layers'])) {
    const indexes = runtime['layers'].flatMap((name, i) => (adminLayers.includes(String(name)) ? [i] : []));
    const admin: Record<string, string> = {};
    for (const [key, entry] of Object.entries(runtime['entries'])) {
      const values = isPlainObject(entry) && Array.isArray(entry['layer_values']) ? entry['layer_values'] : [];
      for (const i of indexes) if (typeof values[i] === 'string' && values[i] !== '') admin[key] = values[i] as string;
    }
    if (Object.keys(admin).length > 0) files.set('runtime.yaml', { apiVersion: MANIFEST_API_VERSION, kind: 'Runtime', admin });
  }
  return files;
}

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'capture a live Envoy as a declared snapshot with its lock file',
  usage: `
Usage: envoy-drift snapshot --admin <url|unix:path> --out <dir> [--include-eds] [--timeout 10s]
       envoy-drift snapshot --admin <url|unix:path> --control-plane <host:port> --out <dir>

Writes the proxy's running configuration into <dir> as a declaration:
bootstrap.yaml (without static resources), listeners.yaml, clusters.yaml,
routes.yaml, secrets.yaml (secret values as Envoy shows them: [redacted]),
endpoints.yaml with --include-eds, runtime.yaml for admin-layer overrides,
and ${LOCK_FILE_NAME}. The files are written to a temporary folder first and
moved into place only when the snapshot loads back as a valid declaration.

With --control-plane it captures the control plane's current intent for the
proxy's node instead (listeners.yaml, clusters.yaml, routes.yaml, each with
the control plane's version_info, and the lock file).

Options:
  --admin <url|unix:path>      Envoy admin
  --out <dir>                  the folder to write (replaced only by a snapshot that loads back)
  --include-eds                also capture the endpoints (endpoints.yaml)
  --timeout <duration>         per admin request (default 10s)
${CONTROL_PLANE_USAGE}

Durations take their unit: 500ms, 2s, 1.5m, 1h.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs('snapshot', argv, { admin: { type: 'string' }, out: { type: 'string' }, 'include-eds': { type: 'boolean' }, timeout: { type: 'string' }, ...CONTROL_PLANE_FLAGS });
    const admin = requireOption('snapshot', values['admin'] as string | undefined, '--admin');
    const out = requireOption('snapshot', values['out'] as string | undefined, '--out');
    const timeoutMs = durationSetting('--timeout', values['timeout'] as string | undefined, 10_000);
    const controlPlane = controlPlaneOptions(values, timeoutMs);
    const client = adminClient(admin, timeoutMs);
    try {
      const [dump, runtime] = await Promise.all([client.configDump(values['include-eds'] ? { includeEds: true } : {}), client.runtime()]);
      const files = controlPlane ? intentFiles(await readIntent(controlPlane, dump, await client.serverInfo(), client, envoyRegistry())) : snapshotFiles(dump, runtime);
      const staging = `${out.replace(/\/+$/, '')}.tmp-${process.pid}`;
      await mkdir(staging, { recursive: true });
      for (const [name, content] of files) await writeFile(join(staging, name), stringify(content, { lineWidth: 0, aliasDuplicateObjects: false }));
      const declared = await loadDeclaredOrThrow(staging);
      const lock = buildLock(declared.set, resourceSetRoot(declared.set));
      await writeFile(join(staging, LOCK_FILE_NAME), `${JSON.stringify(lock, null, 2)}\n`);
      await mkdir(out, { recursive: true });
      for (const name of [...files.keys(), LOCK_FILE_NAME]) await rename(join(staging, name), join(out, name));
      await rm(staging, { recursive: true, force: true });
      io.stdout.write(`wrote ${files.size + 1} files to ${out} (${declared.set.resources.size} resources, root ${lock.root})\n`);
      return ExitCode.IN_SYNC;
    } finally {
      await client.close();
    }
  },
};
