import type { DeclaredSnapshot } from '../declared/load-declared.js';
import { EMPTY_MANIFEST } from '../declared/manifest.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import type { ResourceType } from '../resources/resource.js';
import { ResourceSetBuilder, type ResourceSet } from '../resources/resource-set.js';
import { INTENT_TYPES, type Intent, type IntentTypeUrl } from './intent.js';

/**
 * The declaration for a proxy fed by a control plane: its current resources
 * for the proxy's node, plus what a `--declared` file says (the bootstrap and
 * static resources). Every resource is canonicalised here, so an intent that
 * cannot be read is refused whole (the caller keeps the one in force).
 */
export function declarationFromIntent(intent: Intent, registry: EnvoyRegistry, file?: DeclaredSnapshot): DeclaredSnapshot {
  const builder = new ResourceSetBuilder(registry);
  const versions: Partial<Record<ResourceType, { version: string; receivedAt: number }>> = {};
  for (const [url, entry] of Object.entries(intent.types)) {
    if (!entry) continue;
    const type = INTENT_TYPES[url as IntentTypeUrl];
    const stamp = { version: entry.version, receivedAt: entry.receivedAt };
    versions[type] = stamp;
    builder.cover(type);
    if (type === 'route_configuration') {
      builder.cover('virtual_host');
      versions['virtual_host'] = stamp;
    }
    entry.resources.forEach((resource, i) => builder.add(type, resource, `control plane ${intent.address}: ${type} version ${entry.version}: /resources/${i}`));
  }
  const fromIntent = builder.build();
  const set = file ? merge(file.set, fromIntent) : fromIntent;
  return {
    set,
    manifest: file?.manifest ?? EMPTY_MANIFEST,
    sources: [...(file?.sources ?? []), `control plane ${intent.address} (node ${intent.nodeId})`],
    hashesOnly: file?.hashesOnly ?? false,
    controlPlane: { address: intent.address, nodeId: intent.nodeId, staleGraceMs: intent.staleGraceMs, versions, fileCoverage: [...(file?.set.coverage ?? [])], keys: new Set(fromIntent.resources.keys()) },
  };
}

/** The file's resources with the control plane's on top (the control plane speaks for the dynamic ones). */
function merge(file: ResourceSet, intent: ResourceSet): ResourceSet {
  const unknownTypes: Record<string, number> = { ...file.stats.unknownTypes };
  for (const [name, count] of Object.entries(intent.stats.unknownTypes)) unknownTypes[name] = (unknownTypes[name] ?? 0) + count;
  return Object.freeze({
    resources: new Map([...file.resources, ...intent.resources]),
    coverage: new Set([...file.coverage, ...intent.coverage]),
    conditions: [...file.conditions, ...intent.conditions],
    sources: new Map([...file.sources, ...intent.sources]),
    stats: {
      unknownFields: file.stats.unknownFields + intent.stats.unknownFields,
      unknownTypes,
      redactedFields: file.stats.redactedFields + intent.stats.redactedFields,
    },
  });
}
