import type { ResourceType } from '../resources/resource.js';

/** xDS type URLs of the resources a control plane declares, and what each becomes here. */
export const INTENT_TYPES = {
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'listener',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'cluster',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'route_configuration',
} as const satisfies Record<string, ResourceType>;

export type IntentTypeUrl = keyof typeof INTENT_TYPES;

/** One type's current state of the world, as the control plane last sent it. */
export interface IntentType {
  readonly version: string;
  /** When this version arrived (ms since the epoch): a proxy gets `--stale-grace` to apply it. */
  readonly receivedAt: number;
  /** The resources as proto3 JSON (snake_case, `Any` unpacked with `@type`). */
  readonly resources: readonly unknown[];
}

/** What the control plane means the proxy to run (structured-clone data only: it crosses to the check worker). */
export interface Intent {
  /** `host:port` of the control plane. */
  readonly address: string;
  readonly nodeId: string;
  readonly types: Readonly<Partial<Record<IntentTypeUrl, IntentType>>>;
  /** Past this, a resource the proxy holds at another version is `stale`. */
  readonly staleGraceMs: number;
}

/** The control plane's version for a resource type and when it arrived, if it speaks for that type. */
export function intentVersion(intent: Intent, type: ResourceType): { version: string; receivedAt: number } | undefined {
  const wanted = type === 'virtual_host' ? 'route_configuration' : type;
  for (const [url, mapped] of Object.entries(INTENT_TYPES)) {
    if (mapped !== wanted) continue;
    const entry = intent.types[url as IntentTypeUrl];
    return entry ? { version: entry.version, receivedAt: entry.receivedAt } : undefined;
  }
  return undefined;
}
