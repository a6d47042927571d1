import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';

/** proto/envoy-api/source.json: where the committed types come from. */
export interface ApiTypesSource {
  readonly package: string;
  readonly version: string;
  /** Envoy release of the API, `1.40`. */
  readonly envoyApi: string;
  readonly files: number;
  readonly types: number;
  readonly sha256: string;
}

/**
 * The committed API types, indexed but not parsed: the text stays one string
 * and a line is parsed only when its type is built.
 */
export interface ApiTypes {
  readonly source: ApiTypesSource;
  has(fullName: string): boolean;
  /** protobufjs JSON of one message (`fields`, `oneofs`) or enum (`values`). */
  definition(fullName: string): Record<string, unknown> | undefined;
}

export const API_TYPES_DIR = fileURLToPath(new URL('../../proto/envoy-api/', import.meta.url));
const NAME_PREFIX = '{"name":"';

export function readApiTypes(dir: string = API_TYPES_DIR): Result<ApiTypes> {
  let text: string;
  let source: ApiTypesSource;
  try {
    text = readFileSync(`${dir}envoy-api.jsonl`, 'utf8');
    source = JSON.parse(readFileSync(`${dir}source.json`, 'utf8')) as ApiTypesSource;
  } catch (error) {
    return fail(new DriftError(ErrorCodes.PROTO_REGISTRY, `Envoy API types unreadable in ${dir}: ${(error as Error).message.split('\n')[0]}; run node scripts/api-types/refresh.mjs`, { cause: error }));
  }
  return ok(indexApiTypes(text, source));
}

export function indexApiTypes(text: string, source: ApiTypesSource): ApiTypes {
  const offsets = new Map<string, number>();
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.startsWith(NAME_PREFIX, start)) {
      const nameEnd = text.indexOf('"', start + NAME_PREFIX.length);
      offsets.set(text.slice(start + NAME_PREFIX.length, nameEnd), start);
    }
    start = end + 1;
  }
  return {
    source,
    has: (fullName) => offsets.has(fullName),
    definition: (fullName) => {
      const start = offsets.get(fullName);
      if (start === undefined) return undefined;
      const end = text.indexOf('\n', start);
      const { name: _name, ...json } = JSON.parse(text.slice(start, end < 0 ? text.length : end)) as Record<string, unknown>;
      return json;
    },
  };
}
