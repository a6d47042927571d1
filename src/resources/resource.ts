import type { JsonValue } from '../canonical/canonical-json.js';

export const RESOURCE_TYPES = [
  'bootstrap',
  'listener',
  'route_configuration',
  'virtual_host',
  'cluster',
  'endpoint',
  'secret',
  'runtime',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Envoy API message type of each resource type (runtime keys have none). */
export const TYPE_NAMES: Record<Exclude<ResourceType, 'runtime' | 'virtual_host'>, string> = {
  bootstrap: 'envoy.config.bootstrap.v3.Bootstrap',
  listener: 'envoy.config.listener.v3.Listener',
  route_configuration: 'envoy.config.route.v3.RouteConfiguration',
  cluster: 'envoy.config.cluster.v3.Cluster',
  endpoint: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'envoy.extensions.transport_sockets.tls.v3.Secret',
};

export const VIRTUAL_HOST_TYPE = 'envoy.config.route.v3.VirtualHost';

/** v2 names of the same resources: old render pipelines still write them, and the fields carried over. */
const V2_ALIASES: Record<string, ResourceType> = {
  'envoy.api.v2.Listener': 'listener',
  'envoy.api.v2.Cluster': 'cluster',
  'envoy.api.v2.RouteConfiguration': 'route_configuration',
  'envoy.api.v2.ClusterLoadAssignment': 'endpoint',
  'envoy.api.v2.auth.Secret': 'secret',
};

export function resourceTypeOfTypeName(typeName: string): ResourceType | undefined {
  if (typeName === VIRTUAL_HOST_TYPE) return 'virtual_host';
  if (V2_ALIASES[typeName]) return V2_ALIASES[typeName];
  for (const [type, name] of Object.entries(TYPE_NAMES)) if (name === typeName) return type as ResourceType;
  return undefined;
}

export function resourceKey(type: ResourceType, name: string): string {
  return `${type}/${name}`;
}

/** One resource in canonical form. `value` is absent when only its hash is known (lock files). */
export interface Resource {
  readonly type: ResourceType;
  readonly name: string;
  readonly key: string;
  readonly hash: string;
  readonly value?: JsonValue;
  /** The resource this one was carved out of (a virtual host's route configuration, an inline route configuration's listener). */
  readonly parent?: string;
}

/** What the proxy says about a resource besides its active config. */
export interface LiveCondition {
  readonly key: string;
  readonly state: 'rejected' | 'warming';
  readonly details: string;
  readonly since?: string;
  readonly versionInfo?: string;
}
