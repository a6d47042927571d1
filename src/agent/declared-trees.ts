import type { JsonValue } from '../canonical/canonical-json.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import type { Resource } from '../resources/resource.js';
import type { ResourceSet } from '../resources/resource-set.js';

/**
 * From this many declared resources on, the engine keeps a declared tree only
 * where the live side differs, and the others as their JSON text: beside
 * 10,000 clusters and routes the trees weigh about 20 MB, their text about
 * half, and the comparison reads values only where the hashes differ. A
 * resource that starts to drift gets its tree back from its text (no second
 * load of the declaration, which would add a third of a second to a re-check
 * there). Below it every tree is kept.
 *
 * Runtime keys (the comparison's runtime baseline reads them) and the
 * bootstrap keep their trees.
 */
export const PRUNE_FROM_RESOURCES = 5_000;

/** The declared trees kept as text, by resource key; they belong to one declaration (start anew with the next). */
export type DeclaredTexts = Map<string, string>;

function prunable(resource: Resource): boolean {
  return resource.value !== undefined && resource.type !== 'runtime' && resource.type !== 'bootstrap';
}

function withResources(snapshot: DeclaredSnapshot, resources: Map<string, Resource>): DeclaredSnapshot {
  return { ...snapshot, set: Object.freeze({ ...snapshot.set, resources }) };
}

/** `declared` with the trees of the resources `live` has with the same hash kept as text in `texts`. */
export function pruneAgreeing(declared: DeclaredSnapshot, live: ResourceSet, texts: DeclaredTexts): DeclaredSnapshot {
  if (declared.set.resources.size < PRUNE_FROM_RESOURCES) return declared;
  const agreeing = [...declared.set.resources.values()].filter((r) => prunable(r) && live.resources.get(r.key)?.hash === r.hash);
  if (agreeing.length === 0) return declared;
  const resources = new Map(declared.set.resources);
  for (const resource of agreeing) {
    const { value, ...hashOnly } = resource;
    texts.set(resource.key, JSON.stringify(value));
    resources.set(resource.key, hashOnly);
  }
  return withResources(declared, resources);
}

/** `declared` with the trees the comparison with `live` reads taken back from `texts`: a resource kept as text that now differs, or is gone. */
export function restoreDiffering(declared: DeclaredSnapshot, live: ResourceSet, texts: DeclaredTexts): DeclaredSnapshot {
  let resources: Map<string, Resource> | undefined;
  for (const [key, text] of texts) {
    const resource = declared.set.resources.get(key);
    if (!resource || resource.value !== undefined || live.resources.get(key)?.hash === resource.hash) continue;
    resources ??= new Map(declared.set.resources);
    resources.set(key, { ...resource, value: JSON.parse(text) as JsonValue });
    texts.delete(key);
  }
  return resources ? withResources(declared, resources) : declared;
}
