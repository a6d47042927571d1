import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { addBootstrap, type BootstrapParts } from '../resources/bootstrap.js';
import { resourceKey, type LiveCondition } from '../resources/resource.js';
import { ResourceSetBuilder, type BuilderCache, type KeepOptions, type ResourceSet } from '../resources/resource-set.js';
import type { AdminClient } from './admin-client.js';
import { fetchAdminAnswers, type AdminAnswers, type LiveReadOptions } from './admin-answers.js';

export { fetchAdminAnswers, type AdminAnswers, type LiveReadOptions };

export interface ProxyIdentity {
  readonly admin: string;
  readonly nodeId?: string;
  readonly cluster?: string;
  readonly version?: string;
  readonly state?: string;
  readonly hotRestartEpoch?: number;
  readonly uptimeSeconds?: number;
}

export interface LiveState {
  readonly proxy: ProxyIdentity;
  readonly set: ResourceSet;
  /** Config dump sections present but not compared (scoped routes, ECDS). */
  readonly notCompared: readonly string[];
  /** The runtime layers of the live bootstrap: what a re-read of `/runtime` alone needs (liveStateWithRuntime). */
  readonly runtimeLayers?: BootstrapParts['runtimeLayers'];
}

/** Reads the proxy's running config through its admin API. */
export async function readLiveState(client: AdminClient, registry: EnvoyRegistry, options: LiveReadOptions = {}): Promise<LiveState> {
  return liveStateFromDump(await fetchAdminAnswers(client, options), registry);
}

type Entry = Record<string, unknown>;

function entries(section: Entry, field: string): Entry[] {
  const value = section[field];
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function updateFailure(state: unknown): { details: string; since?: string; versionInfo?: string } | undefined {
  if (!isPlainObject(state)) return undefined;
  return {
    details: typeof state['details'] === 'string' ? state['details'] : 'rejected by the proxy',
    ...(typeof state['last_update_attempt'] === 'string' ? { since: state['last_update_attempt'] } : {}),
    ...(typeof state['version_info'] === 'string' ? { versionInfo: state['version_info'] } : {}),
  };
}

/** Builds the live ResourceSet from admin answers; pure, so recorded dumps can be replayed. */
export function liveStateFromDump(answers: AdminAnswers, registry: EnvoyRegistry, cache?: BuilderCache, keep?: KeepOptions): LiveState {
  const { dump, admin } = answers;
  const where = `Envoy admin ${admin}/config_dump`;
  if (!isPlainObject(dump) || !Array.isArray(dump['configs'])) {
    throw new DriftError(ErrorCodes.ADMIN_BAD_RESPONSE, `${where}: not a config dump (no "configs" list)`);
  }
  // The live side's raw messages are never read again (remediation reads the declared side's): not kept.
  const builder = new ResourceSetBuilder(registry, cache, {}, { sources: false, ...keep });
  const notCompared: string[] = [];
  let bootstrapParts: BootstrapParts | undefined;
  let node: Entry | undefined;
  const endpointSections: Array<[Entry, string]> = [];
  for (const [i, config] of dump['configs'].entries()) {
    if (!isPlainObject(config)) continue;
    const type = String(config['@type'] ?? '').replace(/^.*\//, '');
    const at = `${where}: /configs/${i}`;
    switch (type) {
      case 'envoy.admin.v3.BootstrapConfigDump':
        if (isPlainObject(config['bootstrap'])) {
          node = isPlainObject(config['bootstrap']['node']) ? config['bootstrap']['node'] : undefined;
          bootstrapParts = addBootstrap(builder, config['bootstrap'], `${at}/bootstrap`, { staticResources: false });
        }
        break;
      case 'envoy.admin.v3.ClustersConfigDump':
        readClusters(builder, config, at);
        break;
      case 'envoy.admin.v3.ListenersConfigDump':
        readListeners(builder, config, at);
        break;
      case 'envoy.admin.v3.RoutesConfigDump':
        // Static route configurations are the listeners' inline ones, carved out of the listeners.
        entries(config, 'dynamic_route_configs').forEach((entry, j) => {
          readActive(builder, 'route_configuration', entry, 'route_config', `${at}/dynamic_route_configs/${j}`);
        });
        break;
      case 'envoy.admin.v3.SecretsConfigDump':
        readSecrets(builder, config, at);
        break;
      case 'envoy.admin.v3.EndpointsConfigDump':
        endpointSections.push([config, at]);
        break;
      case 'envoy.admin.v3.ScopedRoutesConfigDump':
        if (Object.keys(config).length > 1) notCompared.push('scoped routes');
        break;
      case 'envoy.admin.v3.EcdsConfigDump':
        notCompared.push('extension configs (ECDS)');
        break;
      default:
        notCompared.push(type || `configs[${i}]`);
    }
  }
  // Endpoints last, once every cluster is known: a static cluster that is fed by
  // EDS has its assignment among the static endpoint configs, while a cluster
  // with an inline load assignment is compared with the cluster itself.
  const eds = edsClusters(dump['configs']);
  for (const [config, at] of endpointSections) {
    entries(config, 'static_endpoint_configs').forEach((entry, j) => {
      const assignment = entry['endpoint_config'];
      const name = isPlainObject(assignment) ? assignment['cluster_name'] : undefined;
      if (typeof name === 'string' && eds.has(name)) readActive(builder, 'endpoint', entry, 'endpoint_config', `${at}/static_endpoint_configs/${j}`);
    });
    entries(config, 'dynamic_endpoint_configs').forEach((entry, j) => {
      readActive(builder, 'endpoint', entry, 'endpoint_config', `${at}/dynamic_endpoint_configs/${j}`, `(unnamed #${j})`);
    });
  }
  readRuntime(builder, answers.runtime, bootstrapParts);
  return {
    proxy: proxyIdentity(admin, node, answers.serverInfo),
    set: builder.build(),
    notCompared,
    ...(bootstrapParts ? { runtimeLayers: bootstrapParts.runtimeLayers } : {}),
  };
}

/**
 * The live state of the last check with its runtime re-read from a new
 * `/runtime` answer, for a check when only the runtime moved (an admin
 * override): the admin-layer values are taken off the runtime keys and
 * applied anew, as a full read would; every other resource is reused as is.
 */
export function liveStateWithRuntime(last: LiveState, runtime: unknown, registry: EnvoyRegistry): LiveState {
  const overridden: Array<[string, JsonValue]> = [];
  const builder = ResourceSetBuilder.startingFrom(last.set, registry, (resource) => {
    if (resource.type !== 'runtime' || !isPlainObject(resource.value) || !('admin_override' in resource.value)) return true;
    const { admin_override: _override, ...base } = resource.value;
    if (Object.keys(base).length > 0) overridden.push([resource.name, base]);
    return false;
  });
  for (const [key, base] of overridden) builder.addRuntimeValue(key, base);
  readRuntime(builder, runtime, last.runtimeLayers ? { runtimeLayers: last.runtimeLayers, xdsPaths: [] } : undefined);
  return { ...last, set: builder.build() };
}

function readActive(builder: ResourceSetBuilder, type: 'cluster' | 'route_configuration' | 'endpoint' | 'secret', entry: Entry, field: string, at: string, fallbackName?: string): void {
  const key = entry[field] !== undefined ? builder.add(type, entry[field], `${at}/${field}`, fallbackName) : undefined;
  if (key) builder.version(key, entry['version_info']);
  const failure = updateFailure(entry['error_state']);
  if (failure) {
    const name = key ?? resourceKey(type, nameOfFailure(entry['error_state']) ?? String(entry['name'] ?? '?'));
    builder.condition({ key: name, state: 'rejected', ...failure });
  }
}

function nameOfFailure(state: unknown): string | undefined {
  if (!isPlainObject(state) || !isPlainObject(state['failed_configuration'])) return undefined;
  const failed = state['failed_configuration'];
  const name = failed['name'] ?? failed['cluster_name'];
  return typeof name === 'string' ? name : undefined;
}

/** Names of the clusters whose endpoints come from EDS. */
export function edsClusters(configs: unknown[]): Set<string> {
  const names = new Set<string>();
  for (const config of configs) {
    if (!isPlainObject(config)) continue;
    for (const list of ['static_clusters', 'dynamic_active_clusters']) {
      for (const entry of entries(config, list)) {
        const cluster = entry['cluster'];
        if (isPlainObject(cluster) && typeof cluster['name'] === 'string' && (cluster['type'] === 'EDS' || cluster['eds_cluster_config'] !== undefined)) names.add(cluster['name']);
      }
    }
  }
  return names;
}

/** A resource the proxy holds but does not use yet, since `last_updated`. */
function warming(type: 'cluster' | 'listener' | 'secret', name: string, state: Entry): LiveCondition {
  return {
    key: resourceKey(type, name),
    state: 'warming',
    details: `${type} is warming`,
    ...(typeof state['last_updated'] === 'string' ? { since: state['last_updated'] } : {}),
    ...(typeof state['version_info'] === 'string' ? { versionInfo: state['version_info'] } : {}),
  };
}

function readClusters(builder: ResourceSetBuilder, config: Entry, at: string): void {
  entries(config, 'static_clusters').forEach((entry, j) => {
    builder.add('cluster', entry['cluster'], `${at}/static_clusters/${j}/cluster`);
  });
  entries(config, 'dynamic_active_clusters').forEach((entry, j) => {
    readActive(builder, 'cluster', entry, 'cluster', `${at}/dynamic_active_clusters/${j}`);
  });
  for (const entry of entries(config, 'dynamic_warming_clusters')) {
    const cluster = entry['cluster'];
    const name = isPlainObject(cluster) && typeof cluster['name'] === 'string' ? cluster['name'] : '?';
    builder.condition(warming('cluster', name, entry));
  }
}

function readListeners(builder: ResourceSetBuilder, config: Entry, at: string): void {
  entries(config, 'static_listeners').forEach((entry, j) => {
    builder.add('listener', entry['listener'], `${at}/static_listeners/${j}/listener`);
  });
  entries(config, 'dynamic_listeners').forEach((entry, j) => {
    const name = typeof entry['name'] === 'string' ? entry['name'] : (nameOfFailure(entry['error_state']) ?? `(unnamed #${j})`);
    const active = entry['active_state'];
    if (isPlainObject(active) && active['listener'] !== undefined) {
      const key = builder.add('listener', active['listener'], `${at}/dynamic_listeners/${j}/active_state/listener`);
      builder.version(key, active['version_info']);
    }
    if (isPlainObject(entry['warming_state'])) builder.condition(warming('listener', name, entry['warming_state']));
    const failure = updateFailure(entry['error_state']);
    if (failure) builder.condition({ key: resourceKey('listener', name), state: 'rejected', ...failure });
  });
}

function readSecrets(builder: ResourceSetBuilder, config: Entry, at: string): void {
  entries(config, 'static_secrets').forEach((entry, j) => {
    builder.add('secret', entry['secret'], `${at}/static_secrets/${j}/secret`);
  });
  entries(config, 'dynamic_active_secrets').forEach((entry, j) => {
    readActive(builder, 'secret', entry, 'secret', `${at}/dynamic_active_secrets/${j}`);
  });
  for (const entry of entries(config, 'dynamic_warming_secrets')) {
    builder.condition(warming('secret', String(entry['name'] ?? '?'), entry));
  }
}

/** Admin-layer values (set through `/runtime_modify`) on top of the static layers. */
function readRuntime(builder: ResourceSetBuilder, runtime: unknown, parts: BootstrapParts | undefined): void {
  if (!isPlainObject(runtime) || !isPlainObject(runtime['entries']) || !Array.isArray(runtime['layers'])) return;
  const layerNames = runtime['layers'].map(String);
  const adminNames = new Set((parts?.runtimeLayers ?? []).filter((l) => l.kind === 'admin_layer').map((l) => l.name));
  const adminIndexes = layerNames.flatMap((name, i) => (adminNames.has(name) ? [i] : []));
  if (adminIndexes.length === 0) return;
  for (const [key, entry] of Object.entries(runtime['entries'])) {
    if (!isPlainObject(entry) || !Array.isArray(entry['layer_values'])) continue;
    const values = entry['layer_values'];
    for (const index of adminIndexes) {
      const value = values[index];
      if (typeof value === 'string' && value !== '') builder.addRuntimeOverride(key, value);
    }
  }
}

/** The proxy's identity from its bootstrap node and /server_info. */
export function proxyIdentity(admin: string, node: Entry | undefined, serverInfo: unknown): ProxyIdentity {
  const info = isPlainObject(serverInfo) ? serverInfo : {};
  const options = isPlainObject(info['command_line_options']) ? info['command_line_options'] : {};
  const nodeId = (node?.['id'] as string | undefined) || (options['service_node'] as string | undefined) || undefined;
  const cluster = (node?.['cluster'] as string | undefined) || (options['service_cluster'] as string | undefined) || undefined;
  const uptime = Number(info['uptime_current_epoch']?.toString().replace(/s$/, ''));
  return {
    admin,
    ...(nodeId ? { nodeId } : {}),
    ...(cluster ? { cluster } : {}),
    ...(typeof info['version'] === 'string' ? { version: info['version'].split('/')[1] ?? info['version'] } : {}),
    ...(typeof info['state'] === 'string' ? { state: info['state'] } : {}),
    ...(typeof options['restart_epoch'] === 'number' ? { hotRestartEpoch: options['restart_epoch'] } : {}),
    ...(Number.isFinite(uptime) ? { uptimeSeconds: uptime } : {}),
  };
}
