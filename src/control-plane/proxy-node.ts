import { isPlainObject } from '../canonical/canonical-json.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { IntentTypeUrl } from './intent.js';

/** The identity a control plane knows the proxy by (from its bootstrap's `node`). */
export interface ProxyNode {
  readonly id: string;
  readonly cluster?: string;
  readonly metadata?: Record<string, unknown>;
  readonly locality?: Record<string, unknown>;
}

function bootstrapOf(dump: unknown): Record<string, unknown> | undefined {
  const configs = isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : [];
  const section = configs.find((c) => isPlainObject(c) && String(c['@type'] ?? '').endsWith('.BootstrapConfigDump'));
  return isPlainObject(section) && isPlainObject(section['bootstrap']) ? section['bootstrap'] : undefined;
}

/**
 * The node from the proxy's own config dump, with the id and cluster that
 * `--service-node` / `--service-cluster` set (server info) when the bootstrap
 * leaves them out; `nodeId` overrides the id. One line naming the admin when
 * there is none.
 */
export function proxyNode(dump: unknown, admin: string, nodeId?: string, serverInfo?: unknown): ProxyNode {
  const node = bootstrapOf(dump)?.['node'];
  const options = isPlainObject(serverInfo) && isPlainObject(serverInfo['command_line_options']) ? serverInfo['command_line_options'] : {};
  const fields: Record<string, unknown> = { ...(isPlainObject(node) ? node : {}) };
  if (!fields['id'] && typeof options['service_node'] === 'string') fields['id'] = options['service_node'];
  if (!fields['cluster'] && typeof options['service_cluster'] === 'string') fields['cluster'] = options['service_cluster'];
  const id = nodeId ?? (typeof fields['id'] === 'string' ? fields['id'] : '');
  if (!id) throw new DriftError(ErrorCodes.USAGE, `Envoy admin ${admin}/config_dump: /configs/0/bootstrap/node/id: the proxy has no node id (give --node-id)`);
  return {
    id,
    ...(typeof fields['cluster'] === 'string' && fields['cluster'] ? { cluster: fields['cluster'] } : {}),
    ...(isPlainObject(fields['metadata']) ? { metadata: fields['metadata'] } : {}),
    ...(isPlainObject(fields['locality']) ? { locality: fields['locality'] } : {}),
  };
}

/** The wildcard types the proxy's bootstrap subscribes to (`lds_config`, `cds_config`); route configurations follow the listeners. */
export function subscribedTypes(dump: unknown, admin: string): IntentTypeUrl[] {
  const dynamic = bootstrapOf(dump)?.['dynamic_resources'];
  const types: IntentTypeUrl[] = [];
  if (isPlainObject(dynamic) && dynamic['lds_config'] !== undefined) types.push('type.googleapis.com/envoy.config.listener.v3.Listener');
  if (isPlainObject(dynamic) && dynamic['cds_config'] !== undefined) types.push('type.googleapis.com/envoy.config.cluster.v3.Cluster');
  if (types.length === 0) {
    throw new DriftError(ErrorCodes.USAGE, `Envoy admin ${admin}/config_dump: /configs/0/bootstrap/dynamic_resources: the proxy subscribes to no listeners or clusters, so a control plane declares nothing for it`);
  }
  return types;
}
