import type { AdminClient } from '../envoy-admin/admin-client.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { fetchIntent } from './ads-client.js';
import { readControlPlaneCredentials, type ControlPlaneOptions } from './control-plane-options.js';
import type { Intent } from './intent.js';
import { proxyNode, subscribedTypes } from './proxy-node.js';

/** The control plane's current intent for the proxy behind `dump` (its node, the types it subscribes to). */
export async function readIntent(options: ControlPlaneOptions, dump: unknown, serverInfo: unknown, client: AdminClient, registry: EnvoyRegistry): Promise<Intent> {
  const admin = client.address.display;
  const node = proxyNode(dump, admin, options.nodeId, serverInfo);
  const types = subscribedTypes(dump, admin);
  const credentials = await readControlPlaneCredentials(options);
  return fetchIntent({ address: options.address, credentials, node, types, staleGraceMs: options.staleGraceMs, registry }, options.timeoutMs);
}
