import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';

/**
 * Flattens a static runtime layer the way Envoy does: nested objects join
 * their keys with '.', and an object that is empty or holds `numerator` /
 * `denominator` (a FractionalPercent) is one value.
 */
export function flattenRuntimeLayer(layer: JsonValue, prefix = ''): Array<[string, JsonValue]> {
  if (!isPlainObject(layer)) return prefix ? [[prefix, layer]] : [];
  const keys = Object.keys(layer);
  if (prefix && (keys.length === 0 || keys.includes('numerator') || keys.includes('denominator'))) return [[prefix, layer]];
  return keys.sort().flatMap((key) => flattenRuntimeLayer(layer[key] as JsonValue, prefix ? `${prefix}.${key}` : key));
}
