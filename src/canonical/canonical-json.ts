/**
 * Canonical JSON: object keys in code-point order, no insignificant space.
 * Both sides of every comparison are serialised through this one function, so
 * two values are equal exactly when their canonical strings are equal.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalStringify(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalStringify).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalStringify(value[k] as JsonValue)}`).join(',')}}`;
}

/** A deep copy with sorted keys, for values whose type the registry does not know. */
export function sortedJson(
  value: unknown,
  mapString: (s: string) => JsonValue = (s) => s,
  mapNumber: (n: number) => JsonValue = (n) => n,
): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return mapString(value);
  if (typeof value === 'number') return mapNumber(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => sortedJson(v, mapString, mapNumber));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortedJson((value as Record<string, unknown>)[key], mapString, mapNumber);
    return out;
  }
  return String(value);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
