import protobuf from 'protobufjs';
import { isPlainObject } from '../../canonical/canonical-json.js';
import type { EnvoyRegistry } from '../../proto/envoy-registry.js';

const WRAPPERS = new Set(['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((n) => `.google.protobuf.${n}Value`));

/** Thrown inside the encoder; becomes the encoder's one error string. */
class EncodeError extends Error {}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function fieldOf(type: protobuf.Type, key: string): protobuf.Field | undefined {
  // Either spelling on either side: protobufjs's bundled well-known types are camelCase, Envoy's are not.
  return type.fields[key] ?? Object.values(type.fields).find((f) => camel(f.name) === key || f.name === camel(key) || (f.options?.['json_name'] as string | undefined) === key);
}

function duration(value: unknown, path: string): { seconds: number; nanos: number } {
  const match = typeof value === 'string' ? /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
  if (!match) throw new EncodeError(`${path}: expected a duration such as "1.5s"`);
  const sign = match[1] === '-' ? -1 : 1;
  return { seconds: sign * Number(match[2]), nanos: sign * Number((match[3] ?? '').padEnd(9, '0')) };
}

function timestamp(value: unknown, path: string): { seconds: number; nanos: number } {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new EncodeError(`${path}: expected an RFC 3339 timestamp`);
  const fraction = typeof value === 'string' ? /\.(\d{1,9})/.exec(value)?.[1] : undefined;
  return { seconds: Math.floor(ms / 1000), nanos: fraction ? Number(fraction.padEnd(9, '0')) : 0 };
}

/**
 * Turns proto3 JSON (snake_case or camelCase, `@type` for Any, "1s" for
 * durations, plain values for wrappers and Struct) into the plain object
 * protobufjs `fromObject` expects, with every Any already encoded.
 */
class Encoder {
  constructor(private readonly registry: EnvoyRegistry) {}

  /** A google.protobuf.Value from a plain JSON value. */
  private structValue(value: unknown): Record<string, unknown> {
    const type = this.registry.lookupType('google.protobuf.Value');
    if (!type) throw new EncodeError('google.protobuf.Value is not in the Envoy API registry');
    const name = (field: string) => fieldOf(type, field)!.name;
    if (value === null) return { [name('null_value')]: 0 };
    if (typeof value === 'number') return { [name('number_value')]: value };
    if (typeof value === 'string') return { [name('string_value')]: value };
    if (typeof value === 'boolean') return { [name('bool_value')]: value };
    if (Array.isArray(value)) return { [name('list_value')]: { values: value.map((v) => this.structValue(v)) } };
    return { [name('struct_value')]: this.struct(value as Record<string, unknown>) };
  }

  private struct(value: Record<string, unknown>): Record<string, unknown> {
    return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.structValue(v)])) };
  }

  encode(typeName: string, json: unknown, path: string): Uint8Array {
    const type = this.registry.lookupType(typeName);
    if (!type) throw new EncodeError(`${path}: type ${typeName} is not in the Envoy API registry`);
    const message = type.fromObject(this.message(type, json, path) as Record<string, unknown>);
    const problem = type.verify(message);
    if (problem) throw new EncodeError(`${path}: ${problem}`);
    return type.encode(message).finish();
  }

  private message(type: protobuf.Type, json: unknown, path: string): unknown {
    switch (type.fullName) {
      case '.google.protobuf.Any': {
        if (!isPlainObject(json) || typeof json['@type'] !== 'string') throw new EncodeError(`${path}: an Any needs "@type"`);
        const typeUrl = json['@type'];
        const inner = this.registry.lookupType(typeUrl);
        // A well-known type inside an Any is written as {"@type": ..., "value": ...}.
        const body = inner && inner.fullName.startsWith('.google.protobuf.') && 'value' in json ? json['value'] : json;
        return { type_url: typeUrl, value: this.encode(typeUrl, body, path) };
      }
      case '.google.protobuf.Duration':
        return duration(json, path);
      case '.google.protobuf.Timestamp':
        return timestamp(json, path);
      case '.google.protobuf.Struct':
        if (!isPlainObject(json)) throw new EncodeError(`${path}: expected an object`);
        return this.struct(json);
      case '.google.protobuf.Value':
        return this.structValue(json);
      case '.google.protobuf.ListValue':
        if (!Array.isArray(json)) throw new EncodeError(`${path}: expected a list`);
        return { values: json.map((v) => this.structValue(v)) };
      case '.google.protobuf.FieldMask':
        return { paths: typeof json === 'string' ? json.split(',').filter(Boolean) : [] };
      default:
        if (WRAPPERS.has(type.fullName)) return { value: json };
    }
    if (!isPlainObject(json)) throw new EncodeError(`${path}: expected an object for ${type.fullName.slice(1)}`);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(json)) {
      if (key === '@type') continue;
      const field = fieldOf(type, key);
      if (!field) throw new EncodeError(`${path}/${key}: no such field in ${type.fullName.slice(1)}`);
      field.resolve();
      const at = `${path}/${key}`;
      if (field.map) {
        if (!isPlainObject(value)) throw new EncodeError(`${at}: expected a map`);
        out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(field, v, `${at}/${k}`)]));
      } else if (field.repeated) {
        if (!Array.isArray(value)) throw new EncodeError(`${at}: expected a list`);
        out[field.name] = value.map((v, i) => this.value(field, v, `${at}/${i}`));
      } else {
        out[field.name] = this.value(field, value, at);
      }
    }
    return out;
  }

  private value(field: protobuf.Field, value: unknown, path: string): unknown {
    return field.resolvedType instanceof protobuf.Type ? this.message(field.resolvedType, value, path) : value;
  }
}

/** Encodes one Envoy API message from proto3 JSON; the error names the JSON path. */
export function encodeProtoJson(registry: EnvoyRegistry, typeName: string, json: unknown): { ok: true; value: Uint8Array } | { ok: false; error: string } {
  try {
    return { ok: true, value: new Encoder(registry).encode(typeName, json, '') };
  } catch (error) {
    if (error instanceof EncodeError) return { ok: false, error: error.message };
    return { ok: false, error: (error as Error).message };
  }
}
