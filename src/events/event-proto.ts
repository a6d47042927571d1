import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { DriftError, ErrorCodes } from '../errors.js';
import type { DriftEvent } from './event.js';

/**
 * The Event message from proto/envoydrift/v1/event.proto, loaded at run time.
 * The JSON form is the proto3 JSON mapping, with timestamps as RFC 3339 text.
 */
const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');
const TIMESTAMP_PATHS = [['time'], ['attribution', 'lastUpdated'], ['gap', 'firstTime'], ['gap', 'lastTime']] as const;

let cached: protobuf.Type | undefined;

export function eventType(): protobuf.Type {
  if (cached) return cached;
  try {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target));
    root.loadSync('envoydrift/v1/event.proto', { keepCase: false });
    root.resolveAll();
    cached = root.lookupType('envoydrift.v1.Event');
    return cached;
  } catch (error) {
    throw new DriftError(ErrorCodes.PROTO_REGISTRY, `cannot load ${join(PROTO_ROOT, 'envoydrift/v1/event.proto')}: ${(error as Error).message}`, { cause: error });
  }
}

function mapTimestamps(value: Record<string, unknown>, convert: (v: unknown) => unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  for (const path of TIMESTAMP_PATHS) {
    let parent: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key] as Record<string, unknown> | undefined;
    const leaf = path[path.length - 1] as string;
    if (parent && parent[leaf] !== undefined) parent[leaf] = convert(parent[leaf]);
  }
  return copy;
}

function toTimestamp(text: unknown): { seconds: number; nanos: number } {
  const match = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(String(text));
  const millis = Date.parse(match ? `${match[1]}${match[3]}` : String(text));
  if (!match || Number.isNaN(millis)) throw new DriftError(ErrorCodes.EVENT_INVALID, `"${String(text)}" is not an RFC 3339 timestamp`);
  return { seconds: Math.floor(millis / 1000), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

function fromTimestamp(value: unknown): string {
  const { seconds, nanos } = value as { seconds: number; nanos?: number };
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  let fraction = nanos ? String(nanos).padStart(9, '0') : '';
  while (fraction.endsWith('000')) fraction = fraction.slice(0, -3);
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

export function encodeEvent(event: DriftEvent): Uint8Array {
  const type = eventType();
  const message = type.fromObject(mapTimestamps(event as unknown as Record<string, unknown>, toTimestamp));
  return type.encode(message).finish();
}

export function decodeEvent(bytes: Uint8Array): DriftEvent {
  const type = eventType();
  const object = type.toObject(type.decode(bytes), { longs: Number, enums: String, defaults: false, arrays: false, objects: false });
  return mapTimestamps(object, fromTimestamp) as unknown as DriftEvent;
}
