import type { ResourceSet } from '../resources/resource-set.js';

/**
 * The key of the resource an xDS update carries for `key`: a virtual host
 * belongs to its route configuration, an inline route configuration to its
 * listener. Carved-out parts cannot be sent on their own.
 */
export function topLevelKey(key: string, ...sets: ResourceSet[]): string {
  let current = key;
  for (let depth = 0; depth < 4; depth++) {
    const parent = sets.map((s) => s.resources.get(current)?.parent).find((p) => p !== undefined);
    if (!parent) return current;
    current = parent;
  }
  return current;
}

export function typeOfKey(key: string): string {
  return key.slice(0, key.indexOf('/'));
}
