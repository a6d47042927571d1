import { CanonicalCache, type CachedCanonical } from '../canonical/canonical-cache.js';
import { Canonicalizer, newStats, TYPE_URL_PREFIX, type CanonicalOptions, type CanonicalStats } from '../canonical/canonicalize.js';
import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import { hashValue, rootHash } from '../canonical/hash.js';
import { sameCanonical } from '../canonical/same-canonical.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { resourceKey, TYPE_NAMES, type LiveCondition, type Resource, type ResourceType } from './resource.js';
import { withoutEndpointDefaults } from './endpoint-defaults.js';
import { flattenRuntimeLayer } from './runtime-layer.js';

/** Everything one side of a comparison holds, in canonical form. */
export interface ResourceSet {
  readonly resources: ReadonlyMap<string, Resource>;
  /** Resource types this side speaks for; a type outside the declaration's coverage is not compared. */
  readonly coverage: ReadonlySet<ResourceType>;
  readonly conditions: readonly LiveCondition[];
  /**
   * The declared messages as written (secrets unredacted), by the key of the
   * top-level resource they declare: what a remediation serves or writes back.
   */
  readonly sources: ReadonlyMap<string, unknown>;
  readonly stats: { readonly unknownFields: number; readonly unknownTypes: Readonly<Record<string, number>>; readonly redactedFields: number };
  /** The xDS version each dynamic resource arrived with (live side, from the config dump). */
  readonly versions?: ReadonlyMap<string, string>;
}

export function resourceSetRoot(set: ResourceSet, keys?: Iterable<string>): string {
  const chosen = keys ? [...keys] : [...set.resources.keys()];
  return rootHash(chosen.flatMap((key) => {
    const resource = set.resources.get(key);
    return resource ? [[key, resource.hash] as const] : [];
  }));
}

const HCM_TYPE_URL = `${TYPE_URL_PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;

type MessageResourceType = keyof typeof TYPE_NAMES;

const NAME_FIELD: Record<MessageResourceType, string | undefined> = {
  bootstrap: undefined,
  listener: 'name',
  route_configuration: 'name',
  cluster: 'name',
  endpoint: 'cluster_name',
  secret: 'name',
};

/**
 * What a builder keeps beside each resource's hash. A one-shot check's live
 * side needs no raw messages (only the declared ones are remediated) and no
 * tree of a resource the declaration has with the same hash (compare reads
 * values only where hashes differ): kept, they would double the memory a
 * large dump costs while the comparison waits for them.
 */
export interface KeepOptions {
  /** Raw messages in `sources` (default true). */
  readonly sources?: boolean;
  /** Whether a resource's canonical value is kept (default: every one); without it only its hash is. */
  readonly value?: (key: string, hash: string) => boolean;
  /**
   * The same resource on the other side (a check's declaration): where its
   * canonical value is the same, its hash is taken instead of hashing this one.
   */
  readonly counterpart?: (key: string) => Resource | undefined;
}

type CachedStats = Pick<CachedCanonical, 'unknownFields' | 'unknownTypes' | 'redactedFields'>;

/** What adding one raw message put in a set: its resources as put (a value only where `keep` kept one) and the key it returned. */
interface CachedResources extends CachedStats {
  readonly resources: readonly Resource[];
  readonly key: string;
}

/** The builder's cache: canonical forms (a bootstrap) and the resources a message became. */
export type BuilderCache = CanonicalCache<CachedCanonical | CachedResources>;

function withoutValue(resource: Resource): Resource {
  const { value: _value, ...rest } = resource;
  return rest;
}

/**
 * What a live side keeps beside a declaration: the comparison reads values
 * only where the hashes differ, so a resource the declaration has with the
 * same hash keeps its hash alone (no tree: about 40 MB beside 10,000 clusters
 * and routes). The bootstrap keeps its value: remediation by files reads where
 * it points.
 */
export function valuesThatDiffer(declared: ResourceSet): (key: string, hash: string) => boolean {
  return (key, hash) => key === 'bootstrap/bootstrap' || declared.resources.get(key)?.hash !== hash;
}

/** Whether a live set lacks a value the comparison with `declared` reads: one it kept a hash alone for now differs. */
export function lacksValuesFor(live: ResourceSet, declared: ResourceSet): boolean {
  for (const resource of live.resources.values()) if (resource.value === undefined && declared.resources.get(resource.key)?.hash !== resource.hash) return true;
  return false;
}

/**
 * Builds a ResourceSet. The declared side and the live side go through this
 * same builder, so whatever is carved out or dropped is carved out or dropped
 * identically on both sides.
 */
export class ResourceSetBuilder {
  private readonly resources = new Map<string, Resource>();
  private readonly coverage = new Set<ResourceType>();
  private readonly conditions: LiveCondition[] = [];
  private readonly sources = new Map<string, unknown>();
  private readonly stats: CanonicalStats = newStats();
  private readonly unnamed = new Map<string, number>();
  private readonly versions = new Map<string, string>();
  /** The resources put while one message is added, for the cache. */
  private putting: Resource[] | undefined;

  /**
   * With a cache, a message seen before is not canonicalised again. `keep`
   * says what is kept beside each hash (KeepOptions).
   */
  constructor(
    private readonly registry: EnvoyRegistry,
    private readonly cache?: BuilderCache,
    private readonly options: CanonicalOptions = {},
    private readonly keep: KeepOptions = {},
  ) {}

  /**
   * A builder that starts from a built set, with the resources `keep` accepts
   * (their canonical values and hashes reused, not recomputed), its coverage,
   * conditions, sources, stats and versions.
   */
  static startingFrom(set: ResourceSet, registry: EnvoyRegistry, keep: (resource: Resource) => boolean): ResourceSetBuilder {
    const builder = new ResourceSetBuilder(registry);
    for (const resource of set.resources.values()) if (keep(resource)) builder.resources.set(resource.key, resource);
    for (const type of set.coverage) builder.coverage.add(type);
    builder.conditions.push(...set.conditions);
    for (const [key, value] of set.sources) builder.sources.set(key, value);
    builder.stats.unknownFields = set.stats.unknownFields;
    builder.stats.redactedFields = set.stats.redactedFields;
    for (const [name, count] of Object.entries(set.stats.unknownTypes)) builder.stats.unknownTypes.set(name, count);
    for (const [key, value] of set.versions ?? []) builder.versions.set(key, value);
    return builder;
  }

  /** A runtime key's value as the static layers gave it (`{ layer, value }`), before any admin override. */
  addRuntimeValue(key: string, value: JsonValue): void {
    this.putValue('runtime', key, value, 'runtime');
  }

  cover(...types: ResourceType[]): this {
    for (const type of types) this.coverage.add(type);
    return this;
  }

  /** The xDS version a dynamic resource arrived with. */
  version(key: string, versionInfo: unknown): void {
    if (typeof versionInfo === 'string' && versionInfo !== '') this.versions.set(key, versionInfo);
  }

  condition(condition: LiveCondition): void {
    const same = this.conditions.some((c) => c.key === condition.key && c.state === condition.state && c.details === condition.details);
    if (!same) this.conditions.push(condition);
  }

  /** Canonicalises a raw message; `where` names its origin for error messages. With a cache, a message seen before costs a lookup. */
  canonical(type: MessageResourceType, raw: unknown, where: string): Record<string, JsonValue> {
    const cacheKey = this.cache ? CanonicalCache.key(type, raw) : undefined;
    const cached = cacheKey ? this.cache!.get(cacheKey, (entry) => 'value' in entry) : undefined;
    if (cached && 'value' in cached) {
      this.count(cached);
      return cached.value as Record<string, JsonValue>;
    }
    const entry = this.canonicalise(type, raw, where);
    if (cacheKey) this.cache!.set(cacheKey, entry);
    return entry.value as Record<string, JsonValue>;
  }

  private canonicalise(type: MessageResourceType, raw: unknown, where: string): CachedCanonical {
    const local = new Canonicalizer(this.registry, undefined, this.options);
    const input = isPlainObject(raw) && typeof raw['@type'] === 'string' ? stripType(raw) : raw;
    const result = local.canonicalize(TYPE_NAMES[type], input);
    if (!result.ok) throw new DriftError(result.error.code, `${where}${result.error.message}`, { cause: result.error });
    const entry = {
      value: result.value,
      unknownFields: local.stats.unknownFields,
      unknownTypes: [...local.stats.unknownTypes],
      redactedFields: local.stats.redactedFields,
    };
    this.count(entry);
    return entry;
  }

  private count(stats: CachedStats): void {
    this.stats.unknownFields += stats.unknownFields;
    this.stats.redactedFields += stats.redactedFields;
    for (const [name, count] of stats.unknownTypes) this.stats.unknownTypes.set(name, (this.stats.unknownTypes.get(name) ?? 0) + count);
  }

  /** Adds an already hashed resource (from a lock file). */
  addHashed(type: ResourceType, name: string, hash: string, where: string): void {
    this.put({ type, name, key: resourceKey(type, name), hash }, where);
  }

  /**
   * `fallbackName` names a live resource that came without one (old EDS
   * dumps), instead of failing. With a cache, a message seen before puts the
   * resources it became last time (carved, hashed) without canonicalising or
   * hashing again, unless one of them now needs the value it was cached
   * without (the declaration changed).
   */
  add(type: MessageResourceType, raw: unknown, where: string, fallbackName?: string): string {
    // An unnamed listener's name depends on the listeners before it: not cached.
    const cacheable = this.cache && !(type === 'listener' && !(isPlainObject(raw) && raw['name']));
    const cacheKey = cacheable ? CanonicalCache.key(`${type}\u0000${fallbackName ?? ''}`, raw) : undefined;
    const usable = (entry: CachedCanonical | CachedResources) => 'resources' in entry && entry.resources.every((r) => r.value !== undefined || !this.keepsValue(r.key, r.hash));
    const cached = cacheKey ? this.cache!.get(cacheKey, usable) : undefined;
    if (cached && 'resources' in cached) {
      this.count(cached);
      for (const resource of cached.resources) this.put(this.keepsValue(resource.key, resource.hash) ? resource : withoutValue(resource), where);
      if (raw !== undefined && this.keep.sources !== false) this.sources.set(cached.key, raw);
      return cached.key;
    }
    const entry = this.canonicalise(type, raw, where);
    this.putting = [];
    let key: string;
    let resources: Resource[];
    try {
      key = this.addCanonical(type, entry.value as Record<string, JsonValue>, where, fallbackName, raw);
    } finally {
      resources = this.putting;
      this.putting = undefined;
    }
    if (cacheKey) this.cache!.set(cacheKey, { resources, key, unknownFields: entry.unknownFields, unknownTypes: entry.unknownTypes, redactedFields: entry.redactedFields });
    return key;
  }

  /** `raw` is the message as written, kept in `sources` for remediation. */
  addCanonical(type: MessageResourceType, value: Record<string, JsonValue>, where: string, fallbackName?: string, raw?: unknown): string {
    const nameField = NAME_FIELD[type];
    const given = nameField === undefined ? 'bootstrap' : type === 'listener' && !value['name'] ? this.unnamedListenerName(value) : value[nameField];
    const name = typeof given === 'string' && given !== '' ? given : fallbackName;
    if (typeof name !== 'string' || name === '') {
      throw new DriftError(ErrorCodes.SCHEMA, `${where}/${nameField}: a ${type} needs a name`);
    }
    switch (type) {
      case 'listener':
        this.putValue('listener', name, this.carveInlineRoutes(name, value, where), where);
        break;
      case 'route_configuration':
        this.putRouteConfiguration(name, value, undefined, where);
        break;
      case 'endpoint':
        this.putValue('endpoint', name, withoutEndpointDefaults(value), where);
        break;
      default:
        this.putValue(type, name, value, where);
    }
    if (raw !== undefined && this.keep.sources !== false) this.sources.set(resourceKey(type, name), raw);
    return resourceKey(type, name);
  }

  /**
   * Envoy lets a static listener go without a name and does not show the
   * name it makes up, so such a listener is known by its address; a second
   * one on the same address (port 0) by its order.
   */
  private unnamedListenerName(value: Record<string, JsonValue>): string | undefined {
    const address = value['address'];
    const socket = isPlainObject(address) ? address['socket_address'] : undefined;
    const pipe = isPlainObject(address) ? address['pipe'] : undefined;
    let base: string | undefined;
    if (isPlainObject(socket)) base = `${String(socket['address'] ?? '')}:${String(socket['port_value'] ?? socket['named_port'] ?? 0)}`;
    else if (isPlainObject(pipe)) base = `unix:${String(pipe['path'] ?? '')}`;
    if (base === undefined) return undefined;
    const count = (this.unnamed.get(base) ?? 0) + 1;
    this.unnamed.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  }

  addRuntimeLayer(layerName: string, staticLayer: JsonValue): void {
    for (const [key, value] of flattenRuntimeLayer(staticLayer)) {
      const existing = this.resources.get(resourceKey('runtime', key));
      // A later layer overrides an earlier one, as in Envoy.
      if (existing) this.resources.delete(existing.key);
      this.putValue('runtime', key, { layer: layerName, value }, `runtime layer ${layerName}`);
    }
  }

  /** An admin-layer (`/runtime_modify`) value on top of whatever the static layers say. */
  addRuntimeOverride(key: string, value: string): void {
    const resourceKeyName = resourceKey('runtime', key);
    const existing = this.resources.get(resourceKeyName);
    const base = existing?.value && isPlainObject(existing.value) ? existing.value : {};
    if (existing) this.resources.delete(resourceKeyName);
    this.putValue('runtime', key, { ...base, admin_override: value }, 'runtime admin layer');
  }

  build(): ResourceSet {
    return Object.freeze({
      resources: this.resources,
      coverage: this.coverage,
      conditions: this.conditions,
      sources: this.sources,
      stats: {
        unknownFields: this.stats.unknownFields,
        unknownTypes: Object.fromEntries(this.stats.unknownTypes),
        redactedFields: this.stats.redactedFields,
      },
      ...(this.versions.size > 0 ? { versions: this.versions } : {}),
    });
  }

  private putValue(type: ResourceType, name: string, value: JsonValue, where: string, parent?: string): string {
    const key = resourceKey(type, name);
    const counterpart = this.keep.counterpart?.(key);
    const hash = counterpart?.value !== undefined && sameCanonical(value, counterpart.value) ? counterpart.hash : hashValue(value);
    this.put({ type, name, key, hash, ...(this.keepsValue(key, hash) ? { value } : {}), ...(parent ? { parent } : {}) }, where);
    return key;
  }

  private keepsValue(key: string, hash: string): boolean {
    // Runtime values are read by later layers and by the comparison's runtime baseline.
    return key.startsWith('runtime/') || (this.keep.value?.(key, hash) ?? true);
  }

  private put(resource: Resource, where: string): void {
    if (this.resources.has(resource.key)) {
      throw new DriftError(ErrorCodes.DUPLICATE_RESOURCE, `${where}: ${resource.type} "${resource.name}" is declared twice`);
    }
    this.resources.set(resource.key, resource);
    this.putting?.push(resource);
  }

  /** Splits a route configuration into itself and one resource per virtual host. */
  private putRouteConfiguration(name: string, value: Record<string, JsonValue>, parent: string | undefined, where: string): void {
    const { virtual_hosts: virtualHosts, ...rest } = value;
    const key = this.putValue('route_configuration', name, rest, where, parent);
    if (!Array.isArray(virtualHosts)) return;
    virtualHosts.forEach((vhost, i) => {
      const vhostName = isPlainObject(vhost) && typeof vhost['name'] === 'string' ? vhost['name'] : `#${i}`;
      this.putValue('virtual_host', `${name}/${vhostName}`, vhost, `${where}/virtual_hosts/${i}`, key);
    });
  }

  /**
   * An HTTP connection manager's inline route configuration becomes its own
   * resource named `<listener>:<route config name>`, so a route change is
   * reported once, on the route, not again on the listener.
   */
  private carveInlineRoutes(listener: string, value: Record<string, JsonValue>, where: string): Record<string, JsonValue> {
    // Canonical values may be shared through the cache: build new objects, never mutate.
    const seen = new Map<string, number>();
    const carveChain = (chain: JsonValue): JsonValue => {
      if (!isPlainObject(chain) || !Array.isArray(chain['filters'])) return chain;
      let changed = false;
      const filters = chain['filters'].map((filter) => {
        if (!isPlainObject(filter)) return filter;
        const config = filter['typed_config'];
        if (!isPlainObject(config) || config['@type'] !== HCM_TYPE_URL || !isPlainObject(config['route_config'])) return filter;
        const routeConfig = config['route_config'];
        const baseName = `${listener}:${typeof routeConfig['name'] === 'string' ? routeConfig['name'] : ''}`;
        const count = (seen.get(baseName) ?? 0) + 1;
        seen.set(baseName, count);
        const name = count === 1 ? baseName : `${baseName}#${count}`;
        this.putRouteConfiguration(name, routeConfig, resourceKey('listener', listener), where);
        changed = true;
        return { ...filter, typed_config: { ...config, route_config: { inline: name } } };
      });
      return changed ? { ...chain, filters } : chain;
    };
    const out: Record<string, JsonValue> = { ...value };
    if (Array.isArray(value['filter_chains'])) out['filter_chains'] = value['filter_chains'].map(carveChain);
    if (isPlainObject(value['default_filter_chain'])) out['default_filter_chain'] = carveChain(value['default_filter_chain']);
    return out;
  }

}

function stripType(raw: Record<string, unknown>): Record<string, unknown> {
  const { ['@type']: _type, ...rest } = raw;
  return rest;
}
