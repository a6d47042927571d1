import protobuf from 'protobufjs';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`));

const fullName = (type: protobuf.Type): string => type.fullName.replace(/^\./, '');

/**
 * A decoded message in proto3 JSON, as Envoy's admin prints it: snake_case
 * names, `Any` unpacked under `@type`, well-known types in their JSON
 * spellings. A control plane's resources then go through the same canonical
 * form as the proxy's config dump. An `Any` of a type the registry does not
 * know keeps its bytes (base64), which the canonicaliser counts as unknown.
 */
export function messageToJson(type: protobuf.Type, message: protobuf.Message | Record<string, unknown>, registry: EnvoyRegistry): Json {
  const name = fullName(type);
  const record = message as unknown as Record<string, unknown>;
  if (name === 'google.protobuf.Any') return anyToJson(record, registry);
  if (WRAPPERS.has(name)) return scalar(type.fields['value']!, record['value']);
  if (name === 'google.protobuf.Duration' || name === 'google.protobuf.Timestamp') {
    const seconds = BigInt(String(record['seconds'] ?? 0));
    const nanos = Number(record['nanos'] ?? 0);
    if (name === 'google.protobuf.Timestamp') return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1e6)).toISOString();
    return `${seconds}${nanos ? `.${String(Math.abs(nanos)).padStart(9, '0')}` : ''}s`;
  }
  if (name === 'google.protobuf.Struct') {
    const fields = (record['fields'] ?? {}) as Record<string, Record<string, unknown>>;
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
  }
  if (name === 'google.protobuf.Value') return valueToJson(record);
  if (name === 'google.protobuf.ListValue') return ((record['values'] ?? []) as Array<Record<string, unknown>>).map(valueToJson);
  const out: Record<string, Json> = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(record, field.name)) continue;
    const value = record[field.name];
    if (value === null || value === undefined) continue;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, fieldValue(field, v, registry)]));
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length > 0) out[field.name] = list.map((v) => fieldValue(field, v, registry));
    } else {
      out[field.name] = fieldValue(field, value, registry);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, value: unknown, registry: EnvoyRegistry): Json {
  const resolved = field.resolve().resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Record<string, unknown>, registry);
  if (resolved instanceof protobuf.Enum) return resolved.valuesById[value as number] ?? (value as number);
  return scalar(field, value);
}

function scalar(field: protobuf.Field, value: unknown): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value !== null && 'low' in value) {
    const long = value as { low: number; high: number; unsigned?: boolean };
    const bits = (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0);
    return (long.unsigned ? bits : BigInt.asIntN(64, bits)).toString();
  }
  if (['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'].includes(field.type)) return String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value as Json;
}

/** A google.protobuf.Value: which member of its oneof is set is told by own properties (decoded messages keep defaults on the prototype). */
function valueToJson(value: Record<string, unknown>): Json {
  // protobufjs's own google/protobuf/struct.proto names the fields in camelCase; Envoy's files in snake_case.
  const get = (field: string): unknown => {
    for (const name of [field, camel(field)]) if (Object.prototype.hasOwnProperty.call(value, name) && value[name] !== null && value[name] !== undefined) return value[name];
    return undefined;
  };
  const struct = get('struct_value');
  if (struct !== undefined) return messageToJsonStruct(struct as Record<string, unknown>);
  const list = get('list_value');
  if (list !== undefined) return (((list as Record<string, unknown>)['values'] ?? []) as Array<Record<string, unknown>>).map(valueToJson);
  for (const field of ['string_value', 'number_value', 'bool_value']) {
    const found = get(field);
    if (found !== undefined) return found as Json;
  }
  return null;
}

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function messageToJsonStruct(struct: Record<string, unknown>): Json {
  const fields = (struct['fields'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

function anyToJson(record: Record<string, unknown>, registry: EnvoyRegistry): Json {
  const typeUrl = String(record['type_url'] ?? '');
  const bytes = record['value'] instanceof Uint8Array ? record['value'] : new Uint8Array();
  const inner = registry.lookupType(typeUrl);
  if (!inner) return { '@type': typeUrl, value: Buffer.from(bytes).toString('base64') };
  const json = messageToJson(inner, inner.decode(bytes), registry);
  const special = fullName(inner).startsWith('google.protobuf.') && (typeof json !== 'object' || json === null || Array.isArray(json) || fullName(inner) === 'google.protobuf.Struct');
  return special ? { '@type': typeUrl, value: json } : { '@type': typeUrl, ...(json as Record<string, Json>) };
}

/** A JSON object as a google.protobuf.Struct message object (for the node's metadata), in the field spelling the registry's Value type uses. */
export function jsonToStruct(value: Record<string, unknown>, registry: EnvoyRegistry): Record<string, unknown> {
  const fields = registry.lookupType('google.protobuf.Value')?.fields ?? {};
  const name = (field: string) => (field in fields ? field : camel(field));
  const toValue = (v: unknown): Record<string, unknown> => {
    if (v === null || v === undefined) return { [name('null_value')]: 0 };
    if (typeof v === 'string') return { [name('string_value')]: v };
    if (typeof v === 'number') return { [name('number_value')]: v };
    if (typeof v === 'boolean') return { [name('bool_value')]: v };
    if (Array.isArray(v)) return { [name('list_value')]: { values: v.map(toValue) } };
    return { [name('struct_value')]: jsonToStruct(v as Record<string, unknown>, registry) };
  };
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValue(v)])) };
}
