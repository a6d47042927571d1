import type { JsonValue } from './canonical-json.js';

/**
 * Whether two canonical values have the same canonical text
 * (canonicalStringify), told by walking both instead of serialising and
 * hashing one: `true` only when their texts are equal, so the hash of one is
 * the hash of the other. `false` may still be the same text in another
 * spelling (NaN and null both print `null`): callers then hash.
 */
export function sameCanonical(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i] as JsonValue, b[i] as JsonValue)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameCanonical(a[key] as JsonValue, b[key] as JsonValue)) return false;
  return true;
}
