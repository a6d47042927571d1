import { createHash } from 'node:crypto';
import { TYPE_URL_PREFIX } from '../../canonical/canonicalize.js';
import { isPlainObject } from '../../canonical/canonical-json.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import type { EnvoyRegistry } from '../../proto/envoy-registry.js';
import { TYPE_NAMES } from '../../resources/resource.js';
import { typeOfKey } from '../top-level-resource.js';
import { encodeProtoJson } from './proto-json-encode.js';

/** The resource types served over ADS, by the key prefix the declaration uses. */
export const ADS_TYPES = ['listener', 'route_configuration', 'cluster', 'endpoint', 'secret'] as const;
export type AdsType = (typeof ADS_TYPES)[number];

export const typeUrlOf = (type: AdsType): string => `${TYPE_URL_PREFIX}${TYPE_NAMES[type]}`;

export interface AdsResource {
  readonly name: string;
  readonly typeUrl: string;
  readonly value: Uint8Array;
  /** SHA-256 of the encoded message: the resource version in incremental xDS. */
  readonly hash: string;
}

export interface AdsSnapshot {
  readonly version: string;
  /** By type URL. */
  readonly resources: ReadonlyMap<string, readonly AdsResource[]>;
}

export function isAdsType(type: string): type is AdsType {
  return (ADS_TYPES as readonly string[]).includes(type);
}

/**
 * Encodes the declared xDS resources (those written with `@type`; a
 * bootstrap's static resources are the proxy's own) for serving. Any
 * resource that does not encode fails the whole snapshot: a partial
 * snapshot would remove what it leaves out.
 */
export function adsSnapshot(declared: DeclaredSnapshot, registry: EnvoyRegistry, version: string): { ok: true; value: AdsSnapshot } | { ok: false; error: string } {
  const resources = new Map<string, AdsResource[]>(ADS_TYPES.map((type) => [typeUrlOf(type), []]));
  for (const [key, raw] of [...declared.set.sources].sort(([a], [b]) => a.localeCompare(b))) {
    const type = typeOfKey(key);
    if (!isAdsType(type) || !isPlainObject(raw) || typeof raw['@type'] !== 'string') continue;
    const typeUrl = typeUrlOf(type);
    const encoded = encodeProtoJson(registry, TYPE_NAMES[type], raw);
    if (!encoded.ok) return { ok: false, error: `${key}${encoded.error}` };
    const name = key.slice(key.indexOf('/') + 1);
    resources.get(typeUrl)!.push({ name, typeUrl, value: encoded.value, hash: createHash('sha256').update(encoded.value).digest('hex') });
  }
  return { ok: true, value: { version, resources } };
}
