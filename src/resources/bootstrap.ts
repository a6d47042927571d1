import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import type { ResourceSetBuilder } from './resource-set.js';

/** What parts of a bootstrap go where; the same for a declared file and a live dump. */
export interface BootstrapParts {
  /** Runtime layer kinds by layer name, in order. */
  readonly runtimeLayers: ReadonlyArray<{ name: string; kind: 'static_layer' | 'disk_layer' | 'admin_layer' | 'rtds_layer' | 'unknown' }>;
  /** Files a filesystem-xDS bootstrap points at (`path_config_source`), by the resource type they hold. */
  readonly xdsPaths: ReadonlyArray<{ type: 'listener' | 'cluster'; path: string }>;
}

const LAYER_KINDS = ['static_layer', 'disk_layer', 'admin_layer', 'rtds_layer'] as const;

/**
 * Adds a bootstrap: its static listeners, clusters and secrets become
 * resources of their own, its static runtime layers become runtime keys, and
 * the rest is the `bootstrap/bootstrap` resource. A live dump lists the
 * running static resources in their own sections, so it passes
 * `staticResources: false`. `node` is proxy identity
 * (and partly set from the command line), so it is never compared.
 */
export function addBootstrap(
  builder: ResourceSetBuilder,
  raw: unknown,
  where: string,
  options: { staticResources: boolean } = { staticResources: true },
): BootstrapParts {
  // A live dump lists the static resources again in their own sections: canonicalised (and cached) here too, they
  // would cost a second pass over every static cluster and, in the agent's cache, a tree of each (20 MB beside 10,000).
  const read = !options.staticResources && isPlainObject(raw) ? withoutStaticResources(raw) : raw;
  const canonical = builder.canonical('bootstrap', read, where);
  const { node: _node, static_resources: staticResources, ...rest } = canonical;
  if (options.staticResources && isPlainObject(staticResources)) {
    const rawStatic = isPlainObject(raw) ? (raw['static_resources'] ?? raw['staticResources']) : undefined;
    const sections: Array<[string, 'listener' | 'cluster' | 'secret']> = [
      ['listeners', 'listener'],
      ['clusters', 'cluster'],
      ['secrets', 'secret'],
    ];
    for (const [field, type] of sections) {
      const items = staticResources[field];
      if (!Array.isArray(items)) continue;
      const rawItems = isPlainObject(rawStatic) && Array.isArray(rawStatic[field]) ? (rawStatic[field] as unknown[]) : [];
      items.forEach((item, i) => builder.addCanonical(type, item as Record<string, JsonValue>, `${where}/static_resources/${field}/${i}`, undefined, rawItems[i]));
    }
  }
  const runtimeLayers: Array<BootstrapParts['runtimeLayers'][number]> = [];
  const layered = rest['layered_runtime'];
  if (isPlainObject(layered) && Array.isArray(layered['layers'])) {
    const layers = layered['layers'].map((layer) => {
      if (!isPlainObject(layer)) return layer;
      const name = typeof layer['name'] === 'string' ? layer['name'] : '';
      const kind = LAYER_KINDS.find((k) => k in layer) ?? 'unknown';
      runtimeLayers.push({ name, kind });
      if (kind !== 'static_layer') return layer;
      builder.addRuntimeLayer(name, layer['static_layer'] as JsonValue);
      // Its keys are compared one by one as runtime resources (a new object: canonical values may be shared).
      return { ...layer, static_layer: {} };
    });
    rest['layered_runtime'] = { ...layered, layers };
  }
  const xdsPaths: Array<BootstrapParts['xdsPaths'][number]> = [];
  const dynamic = rest['dynamic_resources'];
  if (isPlainObject(dynamic)) {
    for (const [field, type] of [['lds_config', 'listener'], ['cds_config', 'cluster']] as const) {
      const source = dynamic[field];
      if (!isPlainObject(source)) continue;
      const pathSource = source['path_config_source'];
      const path = isPlainObject(pathSource) ? pathSource['path'] : source['path'];
      if (typeof path === 'string') xdsPaths.push({ type, path });
    }
  }
  builder.addCanonical('bootstrap', rest, where);
  builder.cover('bootstrap', 'listener', 'route_configuration', 'virtual_host', 'cluster', 'secret', 'runtime');
  return { runtimeLayers, xdsPaths };
}

function withoutStaticResources(raw: Record<string, unknown>): Record<string, unknown> {
  const { static_resources: _snake, staticResources: _camel, ...rest } = raw;
  return rest;
}
