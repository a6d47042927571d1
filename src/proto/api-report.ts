import { readFileSync } from 'node:fs';
import { API_TYPES_DIR, type ApiTypesSource } from './api-types.js';

/** What the comparison could not decode: fields of unknown names, values of unknown types by type. */
export interface UnknownCounts {
  readonly fields: number;
  readonly types: Readonly<Record<string, number>>;
}

/** Which Envoy API the registry carries, and whether the live proxy speaks a newer one. */
export interface ApiReport {
  /** Envoy release of the registry's API types, `1.40`. */
  readonly registry: string;
  /** Where they come from: `github.com/envoyproxy/go-control-plane/envoy@v1.40.0`. */
  readonly source: string;
  readonly proxy?: string;
  readonly proxyNewer: boolean;
  /** One line, set when the proxy is newer: what could not be decoded was compared as plain JSON. */
  readonly warning?: string;
}

let source: ApiTypesSource | undefined;

/** Only source.json is read: reporting the version must not cost the registry's memory. */
export function apiTypesSource(): ApiTypesSource {
  source ??= JSON.parse(readFileSync(`${API_TYPES_DIR}source.json`, 'utf8')) as ApiTypesSource;
  return source;
}

function minorOf(version: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function isNewer(proxy: string, registry: string): boolean {
  const [a, b] = [minorOf(proxy), minorOf(registry)];
  if (!a || !b) return false;
  return a[0] !== b[0] ? a[0] > b[0] : a[1] > b[1];
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function apiReport(proxyVersion: string | undefined, unknown: UnknownCounts | undefined, api: ApiTypesSource = apiTypesSource()): ApiReport {
  const proxyNewer = proxyVersion !== undefined && isNewer(proxyVersion, api.envoyApi);
  const types = unknown ? Object.values(unknown.types).reduce((a, n) => a + n, 0) : 0;
  return {
    registry: api.envoyApi,
    source: `${api.package}@${api.version}`,
    ...(proxyVersion ? { proxy: proxyVersion } : {}),
    proxyNewer,
    ...(proxyNewer
      ? { warning: `Envoy ${proxyVersion} is newer than the API types (Envoy ${api.envoyApi}): ${plural(unknown?.fields ?? 0, 'unknown field')} and ${plural(types, 'value')} of unknown types compared as plain JSON` }
      : {}),
  };
}

