import type { DeclaredSnapshot } from '../declared/load-declared.js';
import type { Resource } from '../resources/resource.js';
import type { ResourceSet } from '../resources/resource-set.js';

/**
 * From this many declared resources on, the engine keeps a declared tree only
 * where the live side differs: beside 10,000 clusters and routes the trees
 * weigh about 20 MB, and the comparison reads values only where the hashes
 * differ. Below it they are kept: a tree missing when a resource starts to
 * drift costs a second load of the declaration (about 0.1 s per 1,000
 * resources), which would lengthen detection where memory is not the issue.
 *
 * A declaration read from files or a control plane has a tree for every
 * resource (a lock file alone has none: `hashesOnly`), so a resource without
 * one is one this module dropped. Runtime keys (the comparison's runtime
 * baseline reads them) and the bootstrap keep theirs.
 */
export const PRUNE_FROM_RESOURCES = 5_000;

function prunable(resource: Resource): boolean {
  return resource.type !== 'runtime' && resource.type !== 'bootstrap';
}

function withResources(snapshot: DeclaredSnapshot, resources: Map<string, Resource>): DeclaredSnapshot {
  return { ...snapshot, set: Object.freeze({ ...snapshot.set, resources }) };
}

/** `declared` without the trees of the resources `live` has with the same hash. */
export function pruneAgreeing(declared: DeclaredSnapshot, live: ResourceSet): DeclaredSnapshot {
  if (declared.hashesOnly || declared.set.resources.size < PRUNE_FROM_RESOURCES) return declared;
  const agreeing = [...declared.set.resources.values()].filter((r) => r.value !== undefined && prunable(r) && live.resources.get(r.key)?.hash === r.hash);
  if (agreeing.length === 0) return declared;
  const resources = new Map(declared.set.resources);
  for (const resource of agreeing) {
    const { value: _value, ...hashOnly } = resource;
    resources.set(resource.key, hashOnly);
  }
  return withResources(declared, resources);
}

/** Whether comparing with `live` reads a tree that was dropped: such a resource now differs, or is gone. */
export function lacksTrees(declared: DeclaredSnapshot, live: ResourceSet): boolean {
  if (declared.hashesOnly) return false;
  for (const resource of declared.set.resources.values()) {
    if (resource.value === undefined && live.resources.get(resource.key)?.hash !== resource.hash) return true;
  }
  return false;
}

/**
 * The dropped trees taken back from `reloaded` (the same declaration read
 * again), for every resource whose hash there is the one in force: a file
 * that changed since does not change the declaration in force (its own load
 * does, validated); such a resource stays without a tree until then.
 */
export function restoreTrees(declared: DeclaredSnapshot, reloaded: DeclaredSnapshot): DeclaredSnapshot {
  const resources = new Map(declared.set.resources);
  for (const [key, inForce] of resources) {
    const fresh = reloaded.set.resources.get(key);
    if (inForce.value === undefined && fresh?.value !== undefined && fresh.hash === inForce.hash) resources.set(key, { ...inForce, value: fresh.value });
  }
  return withResources(declared, resources);
}
