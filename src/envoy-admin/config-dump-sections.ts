import { isPlainObject } from '../canonical/canonical-json.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { resourceKey, type Resource, type ResourceType } from '../resources/resource.js';
import type { BuilderCache, KeepOptions, ResourceSet } from '../resources/resource-set.js';
import type { AdminClient } from './admin-client.js';
import { liveStateFromDump, proxyIdentity, type LiveState } from './live-state.js';

/*
 * A re-check of the one xDS section that moved. The stats scan says which
 * subscription moved (CDS, LDS, RDS counters); Envoy serialises one field of
 * its dump on `/config_dump?resource=<field>`, so a re-check beside 10,000
 * clusters need not serialise, send and parse the listeners, the routes and
 * the bootstrap (half of a full dump repeats the static resources) again.
 * Everything else is taken from the last full reading. Whenever the scan says
 * anything else moved, the caller reads the whole dump.
 */

/** The dynamic sections of the dump that can be fetched and read alone. */
export type DumpSection = 'clusters' | 'listeners' | 'routes';

interface SectionShape {
  /** The dump message whose repeated fields these are. */
  readonly dumpType: string;
  /** Its dynamic fields, each one `?resource=` request. */
  readonly fields: readonly string[];
  /** The resource type whose dynamic resources (and the ones carved out of them) the section replaces. */
  readonly type: ResourceType;
}

const SECTIONS: Record<DumpSection, SectionShape> = {
  clusters: { dumpType: 'envoy.admin.v3.ClustersConfigDump', fields: ['dynamic_active_clusters', 'dynamic_warming_clusters'], type: 'cluster' },
  listeners: { dumpType: 'envoy.admin.v3.ListenersConfigDump', fields: ['dynamic_listeners'], type: 'listener' },
  routes: { dumpType: 'envoy.admin.v3.RoutesConfigDump', fields: ['dynamic_route_configs'], type: 'route_configuration' },
};

/** Watched stats (stats-poller.ts WATCHED_STATS) that name one section. */
const SECTION_OF_STAT: ReadonlyArray<readonly [RegExp, DumpSection]> = [
  [/^cluster_manager\.(cds\..*|cluster_(added|modified|removed))$/, 'clusters'],
  [/^listener_manager\.(lds\..*|listener_(added|modified|removed|create_failure))$/, 'listeners'],
  [/^http\..*\.rds\..*\.(version|update_success|update_rejected|config_reload)$/, 'routes'],
];

/**
 * The sections the moved stats name, or undefined when a moved stat names
 * none of them (a restart, runtime, SDS, the server's state...): then only a
 * full dump is sure to see the change.
 */
export function sectionsMoved(moved: readonly string[]): DumpSection[] | undefined {
  if (moved.length === 0) return undefined;
  const sections = new Set<DumpSection>();
  for (const name of moved) {
    const section = SECTION_OF_STAT.find(([pattern]) => pattern.test(name))?.[1];
    if (!section) return undefined;
    sections.add(section);
  }
  return [...sections].sort();
}

/** What a full reading leaves for section re-checks: the state, and the roots each section contributed. */
export interface SectionedLiveState {
  readonly live: LiveState;
  readonly roots: ReadonlyMap<DumpSection, ReadonlySet<string>>;
  /** Each dynamic active cluster's stamp (last_updated, version, error state), by name. */
  readonly clusterStamps?: ReadonlyMap<string, string>;
}

/** A cluster entry's stamp: Envoy moves `last_updated` only for a cluster it changed. */
function stamp(entry: Record<string, unknown>): string {
  return JSON.stringify([entry['last_updated'], entry['version_info'], entry['error_state']]);
}

/** The stamps of a full dump's dynamic active clusters. */
export function clusterStamps(dump: unknown): Map<string, string> {
  const stamps = new Map<string, string>();
  const configs = isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : [];
  for (const config of configs) {
    if (!isPlainObject(config) || !String(config['@type'] ?? '').endsWith(`/${SECTIONS.clusters.dumpType}`)) continue;
    for (const entry of Array.isArray(config['dynamic_active_clusters']) ? config['dynamic_active_clusters'] : []) {
      const name = entryName('clusters', entry);
      if (name !== undefined) stamps.set(name, stamp(entry as Record<string, unknown>));
    }
  }
  return stamps;
}

/** More changed clusters than this: the whole field is read, one request rather than a long name list. */
const MAX_CHANGED_CLUSTERS = 200;

/** The stamp fields alone: the mask stays outside the packed cluster, which Envoy would unpack for each entry (1.2-1.5 s beside 10,000 clusters, against 0.2-0.4 s). */
const STAMP_MASK = 'last_updated,version_info,error_state';
const NAMED_STAMP_MASK = `cluster.name,${STAMP_MASK}`;

type ChangedClusters = { entries: unknown[]; stamps: Map<string, string>; dropped: string[] };

/**
 * The active clusters whose stamp moved, read by name: one masked request
 * lists every cluster's stamp, a second reads the changed ones. Undefined
 * when too many changed (the caller reads the whole field).
 */
async function changedClusters(client: AdminClient, last: ReadonlyMap<string, string>): Promise<ChangedClusters | undefined> {
  const listed = await fetchField(client, 'dynamic_active_clusters', { mask: STAMP_MASK });
  if (!listed) return undefined;
  const byPlace = listed.length === last.size ? await changedInPlace(client, last, listed) : undefined;
  return byPlace ?? (await changedByName(client, last));
}

/**
 * The listing without names, read against the last one place by place (Envoy
 * dumps its clusters sorted by name). It holds only when no cluster was added
 * or removed; then the places whose stamp moved are the changed clusters. An
 * added cluster carries a stamp newer than any of the last reading, so its
 * place names a last cluster whose stamp does not match, or that is gone: the
 * read of the changed ones by name checks each stamp against its place, and
 * anything off (an addition, a removal, another order, a change in between)
 * answers undefined, for the listing with names.
 */
async function changedInPlace(client: AdminClient, last: ReadonlyMap<string, string>, listed: unknown[]): Promise<ChangedClusters | undefined> {
  const names = [...last.keys()];
  const stamps = new Map<string, string>();
  const changed = new Map<string, string>();
  for (const [i, entry] of listed.entries()) {
    if (!isPlainObject(entry)) return undefined;
    const now = stamp(entry);
    stamps.set(names[i]!, now);
    if (last.get(names[i]!) !== now) changed.set(names[i]!, now);
  }
  if (changed.size > MAX_CHANGED_CLUSTERS) return undefined;
  const entries = await clustersNamed(client, [...changed.keys()]);
  if (!entries || entries.length !== changed.size) return undefined;
  for (const entry of entries) {
    const name = entryName('clusters', entry);
    if (name === undefined || changed.get(name) !== stamp(entry as Record<string, unknown>)) return undefined;
  }
  return { entries, stamps, dropped: [...changed.keys()].map((name) => resourceKey('cluster', name)) };
}

/** Every cluster's name and stamp listed, the changed ones read by name. */
async function changedByName(client: AdminClient, last: ReadonlyMap<string, string>): Promise<ChangedClusters | undefined> {
  const listed = await fetchField(client, 'dynamic_active_clusters', { mask: NAMED_STAMP_MASK });
  if (!listed) return undefined;
  const stamps = new Map<string, string>();
  for (const entry of listed) {
    const name = entryName('clusters', entry);
    if (name === undefined) return undefined;
    stamps.set(name, stamp(entry as Record<string, unknown>));
  }
  const changed = [...stamps].filter(([name, s]) => last.get(name) !== s).map(([name]) => name);
  const removed = [...last.keys()].filter((name) => !stamps.has(name));
  if (changed.length > MAX_CHANGED_CLUSTERS) return undefined;
  const entries = await clustersNamed(client, changed);
  if (!entries || entries.length !== changed.length) return undefined;
  return { entries, stamps, dropped: [...changed, ...removed].map((name) => resourceKey('cluster', name)) };
}

/** The active clusters of these names, whole. */
async function clustersNamed(client: AdminClient, names: readonly string[]): Promise<unknown[] | undefined> {
  if (names.length === 0) return [];
  const escaped = names.map((name) => name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  return fetchField(client, 'dynamic_active_clusters', { nameRegex: `^(${escaped.join('|')})$` });
}

/** The keys of the resources each dynamic section of a full dump holds (before carving). */
export function sectionRoots(dump: unknown): Map<DumpSection, Set<string>> {
  const roots = new Map<DumpSection, Set<string>>(Object.keys(SECTIONS).map((s) => [s as DumpSection, new Set<string>()]));
  const configs = isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : [];
  for (const config of configs) {
    if (!isPlainObject(config)) continue;
    const type = String(config['@type'] ?? '').replace(/^.*\//, '');
    for (const [section, shape] of Object.entries(SECTIONS) as Array<[DumpSection, SectionShape]>) {
      if (shape.dumpType !== type) continue;
      for (const field of shape.fields) {
        for (const entry of Array.isArray(config[field]) ? config[field] : []) {
          const name = entryName(section, entry);
          if (name !== undefined) roots.get(section)!.add(resourceKey(shape.type, name));
        }
      }
    }
  }
  return roots;
}

function entryName(section: DumpSection, entry: unknown): string | undefined {
  if (!isPlainObject(entry)) return undefined;
  const inner = section === 'clusters' ? entry['cluster'] : section === 'routes' ? entry['route_config'] : isPlainObject(entry['active_state']) ? entry['active_state']['listener'] : undefined;
  const name = isPlainObject(inner) ? inner['name'] : section === 'listeners' ? entry['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Fetches the given sections alone and puts them in place of the same
 * sections of `last`; /server_info is read again for the proxy's identity.
 * Undefined when a section cannot be read alone (a section this Envoy does
 * not dump, a read with unknown fields): the caller then reads the whole dump.
 */
export async function recheckSections(client: AdminClient, sections: readonly DumpSection[], last: SectionedLiveState, registry: EnvoyRegistry, cache: BuilderCache, keep?: KeepOptions): Promise<SectionedLiveState | undefined> {
  // Unknown fields are counted over the whole dump, not per section: such a proxy is read in full.
  if (hasUnknown(last.live.set)) return undefined;
  // Beside thousands of clusters, the ones that changed are read by name; the other requests go out meanwhile.
  const changed = sections.includes('clusters') && last.clusterStamps ? changedClusters(client, last.clusterStamps) : undefined;
  const fetches = sections.flatMap((section) => SECTIONS[section].fields.map(async (field) => {
    if (changed && field === 'dynamic_active_clusters') return [section, field, (await changed)?.entries ?? (await fetchField(client, field))] as const;
    return [section, field, await fetchField(client, field)] as const;
  }));
  const [answers, serverInfo, incremental] = await Promise.all([Promise.all(fetches), client.serverInfo(), changed]);
  if (answers.some(([, , entries]) => entries === undefined)) return undefined;
  const parts = new Map<DumpSection, Record<string, unknown>>();
  for (const [section, field, entries] of answers) {
    const part = parts.get(section) ?? { '@type': `type.googleapis.com/${SECTIONS[section].dumpType}` };
    part[field] = entries;
    parts.set(section, part);
  }
  const dump = { configs: [...parts.values()] };
  const fresh = liveStateFromDump({ dump, admin: client.address.display }, registry, cache, keep);
  if (hasUnknown(fresh.set)) return undefined;
  const roots = new Map(last.roots);
  for (const [section, keys] of sectionRoots(dump)) if (parts.has(section)) roots.set(section, keys);
  const stamps = incremental?.stamps ?? (sections.includes('clusters') ? clusterStamps(dump) : last.clusterStamps);
  if (incremental) roots.set('clusters', new Set([...stamps!.keys()].map((name) => resourceKey('cluster', name))));
  const dropped = sections.flatMap((s) => (s === 'clusters' && incremental ? incremental.dropped : [...(last.roots.get(s) ?? [])]));
  const replaced = sections.map((s) => SECTIONS[s].type);
  const set = withSections(last.live.set, fresh.set, dropped, replaced);
  const identity = proxyIdentity(client.address.display, undefined, serverInfo);
  const proxy = { ...identity, ...(last.live.proxy.nodeId ? { nodeId: last.live.proxy.nodeId } : {}), ...(last.live.proxy.cluster ? { cluster: last.live.proxy.cluster } : {}) };
  // Everything else the last full reading knew (its runtime layers: a runtime-only check reads them) stays.
  return { live: { ...last.live, proxy, set }, roots, ...(stamps ? { clusterStamps: stamps } : {}) };
}

function hasUnknown(set: ResourceSet): boolean {
  return set.stats.unknownFields > 0 || Object.keys(set.stats.unknownTypes).length > 0;
}

/** One dump field's entries; [] when Envoy has none (`{}`), undefined when it cannot dump that field alone. */
async function fetchField(client: AdminClient, field: string, query: { mask?: string; nameRegex?: string } = {}): Promise<unknown[] | undefined> {
  let answer: unknown;
  try {
    answer = await client.configDump({ resource: field, ...query });
  } catch (error) {
    // A field this Envoy has no dump message for (no HCM, no RDS) answers 404: read in full.
    if (error instanceof DriftError && error.code === ErrorCodes.ADMIN_HTTP_STATUS) return undefined;
    throw error;
  }
  if (!isPlainObject(answer)) return undefined;
  if (answer['configs'] === undefined) return [];
  return Array.isArray(answer['configs']) ? answer['configs'] : undefined;
}

/** `last` with the resources, conditions and versions of the replaced sections taken from `fresh`. */
function withSections(last: ResourceSet, fresh: ResourceSet, oldRoots: readonly string[], types: readonly ResourceType[]): ResourceSet {
  const dropped = new Set(oldRoots);
  const fromDropped = (resource: Resource): boolean => {
    for (let r: Resource | undefined = resource; r; r = r.parent ? last.resources.get(r.parent) : undefined) if (dropped.has(r.key)) return true;
    return false;
  };
  const resources = new Map<string, Resource>();
  for (const [key, resource] of last.resources) if (!fromDropped(resource)) resources.set(key, resource);
  for (const [key, resource] of fresh.resources) {
    if (resources.has(key)) throw new DriftError(ErrorCodes.DUPLICATE_RESOURCE, `config dump: ${resource.type} "${resource.name}" is both in a re-read section and elsewhere`);
    resources.set(key, resource);
  }
  // Conditions (warming, rejected) only come from dynamic sections: the re-read ones replace theirs.
  const keepCondition = (key: string) => !types.some((type) => key.startsWith(`${type}/`));
  const versions = new Map([...(last.versions ?? [])].filter(([key]) => resources.has(key) && !dropped.has(key)));
  for (const [key, version] of fresh.versions ?? []) versions.set(key, version);
  return Object.freeze({
    resources,
    coverage: last.coverage,
    conditions: [...last.conditions.filter((c) => keepCondition(c.key)), ...fresh.conditions],
    sources: new Map([...[...last.sources].filter(([key]) => resources.has(key) && !dropped.has(key)), ...fresh.sources]),
    // No unknown fields or types on either side (checked by the caller); redactions are counted as at the last full reading.
    stats: last.stats,
    ...(versions.size > 0 ? { versions } : {}),
  });
}
