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

function valueToJson(value: Record<string, unknown>): Json {
  if ('struct_value' in value) return messageToJsonStruct(value['struct_value'] as Record<string, unknown>);
  if ('list_value' in value) return (((value['list_value'] as Record<string, unknown>)['values'] ?? []) as Array<Record<string, unknown>>).map(valueToJson);
  if ('string_value' in value) return value['string_value'] as string;
  if ('number_value' in value) return value['number_value'] as number;
  if ('bool_value' in value) return value['bool_value'] as boolean;
  return null;
}

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

/** A JSON object as a google.protobuf.Struct message object (for the node's metadata). */
export function jsonToStruct(value: Record<string, unknown>): Record<string, unknown> {
  const toValue = (v: unknown): Record<string, unknown> => {
    if (v === null || v === undefined) return { null_value: 0 };
    if (typeof v === 'string') return { string_value: v };
    if (typeof v === 'number') return { number_value: v };
    if (typeof v === 'boolean') return { bool_value: v };
    if (Array.isArray(v)) return { list_value: { values: v.map(toValue) } };
    return { struct_value: jsonToStruct(v as Record<string, unknown>) };
  };
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValue(v)])) };
}
