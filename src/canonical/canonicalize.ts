import protobuf from 'protobufjs';
import { REDACTED } from '../common/redacted.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { typeNameFromUrl } from '../proto/envoy-registry.js';
import { isEnvoyTypeName } from '../proto/envoy-namespaces.js';
import { isPlainObject, sortedJson, type JsonValue } from './canonical-json.js';
import { looksSecretName, looksSensitive } from './sensitive-name.js';
import {
  canonicalBool,
  canonicalBytes,
  canonicalDuration,
  canonicalFieldMask,
  canonicalFloat,
  canonicalInt32,
  canonicalInt64,
  canonicalTimestamp,
} from './well-known.js';

/**
 * Turns a proto3 JSON (or YAML) value of a known Envoy API type into its one
 * canonical form, so that every spelling Envoy accepts for the same config
 * serialises to the same bytes:
 * - field names in their proto (snake_case) spelling, whichever was written;
 * - durations, timestamps, 64-bit integers, floats, bytes, enums and
 *   wrappers in one spelling each;
 * - a field at its proto3 default is absent (fields with presence are kept);
 * - `Any` is unpacked by `@type` and its URL reduced to the type name;
 * - sensitive fields are redacted exactly as Envoy's admin output does.
 * A field or type the registry does not know is kept as sorted JSON, never
 * dropped, and counted.
 */
const REDACTED_BYTES = Buffer.from(REDACTED).toString('base64');
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export interface CanonicalStats {
  unknownFields: number;
  unknownTypes: Map<string, number>;
  redactedFields: number;
}

export function newStats(): CanonicalStats {
  return { unknownFields: 0, unknownTypes: new Map(), redactedFields: 0 };
}

const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

/** Types whose JSON form is not an object of fields; inside `Any` they sit under `value`. */
const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPERS),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.FieldMask',
]);

const SENSITIVE_OPTION = '(udpa.annotations.sensitive)';

class SchemaError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

interface FieldIndex {
  byName: Map<string, protobuf.Field>;
  /** Names of the fields marked (udpa.annotations.sensitive), to catch their misspellings. */
  sensitiveNames: string[];
}

const fieldIndexes = new WeakMap<protobuf.Type, FieldIndex>();

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function fieldIndex(type: protobuf.Type): FieldIndex {
  let index = fieldIndexes.get(type);
  if (index) return index;
  const byName = new Map<string, protobuf.Field>();
  const sensitiveNames: string[] = [];
  for (const field of type.fieldsArray) {
    if ((field.options as Record<string, unknown> | undefined)?.[SENSITIVE_OPTION] === true) sensitiveNames.push(field.name);
    byName.set(field.name, field);
    byName.set(lowerCamel(field.name), field);
    const jsonName = (field.options as Record<string, unknown> | undefined)?.['json_name'];
    if (typeof jsonName === 'string') byName.set(jsonName, field);
  }
  index = { byName, sensitiveNames };
  fieldIndexes.set(type, index);
  return index;
}

function escapeSegment(segment: string): string {
  // Built for every field of every resource, read only in an error: most segments need no escape.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * A type's name without the leading dot. protobufjs derives `fullName`
 * anew on each read, walking up the namespaces: once per message of a
 * 20 MB dump, that walk was a tenth of a large check (issue 9).
 */
const typeNames = new WeakMap<protobuf.Type, string>();

function typeNameOf(type: protobuf.Type): string {
  let name = typeNames.get(type);
  if (name === undefined) {
    name = type.fullName.slice(1);
    typeNames.set(type, name);
  }
  return name;
}

function resolvedTypeOf(field: protobuf.Field): protobuf.Type | protobuf.Enum | null {
  try {
    field.resolve();
  } catch {
    return null;
  }
  return field.resolvedType as protobuf.Type | protobuf.Enum | null;
}

function hasPresence(field: protobuf.Field): boolean {
  return field.partOf !== null && field.partOf !== undefined;
}

export interface CanonicalOptions {
  /** The declared side: an Envoy type the registry lacks is an error (a typo), not a newer Envoy's type. */
  readonly strictEnvoyTypes?: boolean;
}

export class Canonicalizer {
  constructor(
    private readonly registry: EnvoyRegistry,
    readonly stats: CanonicalStats = newStats(),
    private readonly options: CanonicalOptions = {},
  ) {}

  /** Canonical form of a message of the named type; a bad value is an error naming its field path. */
  canonicalize(typeName: string, value: unknown): Result<JsonValue> {
    const type = this.registry.lookupType(typeName);
    if (!type) return fail(new DriftError(ErrorCodes.UNKNOWN_RESOURCE_TYPE, `unknown type ${typeName}`));
    try {
      return ok(this.message(type, value, '', false));
    } catch (error) {
      if (error instanceof SchemaError) {
        return fail(new DriftError(ErrorCodes.SCHEMA, `${error.path || '/'}: ${error.message}`, { cause: error }));
      }
      throw error;
    }
  }

  /** Canonical form of an `Any` (an object with `@type`). */
  canonicalizeAny(value: unknown): Result<JsonValue> {
    try {
      return ok(this.any(value, '', false));
    } catch (error) {
      if (error instanceof SchemaError) {
        return fail(new DriftError(ErrorCodes.SCHEMA, `${error.path || '/'}: ${error.message}`, { cause: error }));
      }
      throw error;
    }
  }

  /** A subtree of unknown type: kept, with the proto3 spellings that can be told without a schema normalised. */
  private unknown(value: unknown, sensitive: boolean): JsonValue {
    return lenientJson(value, sensitive);
  }

  /** Struct and Value: user data, kept exactly, but for Envoy's YAML rule on large integers. */
  private struct(value: unknown, sensitive: boolean): JsonValue {
    return sortedJson(value, sensitive ? () => REDACTED : undefined, normaliseLargeInteger);
  }

  private message(type: protobuf.Type, value: unknown, path: string, sensitive: boolean): JsonValue {
    const special = this.specialMessage(type, value, path, sensitive);
    if (special !== undefined) return special;
    if (!isPlainObject(value)) throw new SchemaError(path, `expected an object for ${type.fullName.slice(1)}, got ${describe(value, sensitive || looksSecretPath(path))}`);
    const index = fieldIndex(type);
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value)) {
      const raw = value[key];
      const field = index.byName.get(key);
      const fieldPath = `${path}/${escapeSegment(field?.name ?? key)}`;
      if (!field) {
        this.stats.unknownFields += 1;
        out[snakeCase(key)] = this.unknown(raw, sensitive || looksSensitive(key, index.sensitiveNames));
        continue;
      }
      if (raw === null || raw === undefined) continue;
      const fieldSensitive = sensitive || (field.options as Record<string, unknown> | undefined)?.[SENSITIVE_OPTION] === true;
      const canonical = this.field(field, raw, fieldPath, fieldSensitive);
      if (canonical !== undefined) out[field.name] = canonical;
    }
    return out;
  }

  private field(field: protobuf.Field, raw: unknown, path: string, sensitive: boolean): JsonValue | undefined {
    if (field instanceof protobuf.MapField) {
      if (!isPlainObject(raw)) throw new SchemaError(path, `expected a map, got ${describe(raw, sensitive || looksSecretPath(path))}`);
      const out: Record<string, JsonValue> = {};
      for (const key of Object.keys(raw).sort()) {
        const item = this.single(field, raw[key], `${path}/${escapeSegment(key)}`, sensitive, true);
        if (item !== undefined) out[key] = item;
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    if (field.repeated) {
      // Envoy's loader takes a single value where a list is expected.
      const list = Array.isArray(raw) ? raw : [raw];
      const items: JsonValue[] = [];
      list.forEach((item, i) => {
        const canonical = this.single(field, item, `${path}/${i}`, sensitive, true);
        items.push(canonical ?? defaultOf(field));
      });
      return items.length === 0 ? undefined : items;
    }
    return this.single(field, raw, path, sensitive, hasPresence(field));
  }

  /** One value of a field; `keepDefault` for fields with presence and list or map items. */
  private single(field: protobuf.Field, raw: unknown, path: string, sensitive: boolean, keepDefault: boolean): JsonValue | undefined {
    const resolved = resolvedTypeOf(field);
    if (resolved instanceof protobuf.Type) return this.message(resolved, raw, path, sensitive);
    if (resolved instanceof protobuf.Enum) {
      if (sensitive) return undefined;
      let name = enumName(resolved, raw);
      if (name === undefined) {
        if (typeof raw !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(raw)) {
          throw new SchemaError(path, `${describe(raw, sensitive || looksSecretPath(path))} is not a value of enum ${resolved.fullName.slice(1)}`);
        }
        // A value added to the enum after the pinned protos: kept as written.
        this.stats.unknownFields += 1;
        name = raw;
      }
      if (!keepDefault && (name === enumDefault(resolved))) return undefined;
      return name;
    }
    if (isMessageTypeName(field.type)) {
      // The message type exists in Envoy's API but could not be resolved here.
      this.bumpUnknownType(field.type);
      return this.unknown(raw, sensitive);
    }
    const scalar = canonicalScalar(field.type, raw);
    if (scalar === undefined) throw new SchemaError(path, `${sensitive ? 'the (sensitive) value' : describe(raw, sensitive || looksSecretPath(path))} is not a valid ${field.type}`);
    if (sensitive) {
      if (field.type === 'string') return (this.stats.redactedFields++, REDACTED);
      if (field.type === 'bytes') return (this.stats.redactedFields++, REDACTED_BYTES);
      return undefined;
    }
    if (!keepDefault && isScalarDefault(scalar)) return undefined;
    return scalar;
  }

  private specialMessage(type: protobuf.Type, value: unknown, path: string, sensitive: boolean): JsonValue | undefined {
    const name = typeNameOf(type);
    const wrapped = WRAPPERS[name];
    if (wrapped) {
      const inner = isPlainObject(value) && 'value' in value ? value['value'] : value;
      const scalar = canonicalScalar(wrapped, inner);
      if (scalar === undefined) throw new SchemaError(path, `${sensitive ? 'the (sensitive) value' : describe(inner, sensitive || looksSecretPath(path))} is not a valid ${wrapped}`);
      if (sensitive && wrapped === 'string') return REDACTED;
      return scalar;
    }
    switch (name) {
      case 'google.protobuf.Any':
        return this.any(value, path, sensitive);
      case 'google.protobuf.Duration': {
        const duration = canonicalDuration(value);
        if (duration === undefined) throw new SchemaError(path, `${describe(value, sensitive || looksSecretPath(path))} is not a valid duration`);
        return duration;
      }
      case 'google.protobuf.Timestamp': {
        const timestamp = canonicalTimestamp(value);
        if (timestamp === undefined) throw new SchemaError(path, `${describe(value, sensitive || looksSecretPath(path))} is not a valid timestamp`);
        return timestamp;
      }
      case 'google.protobuf.Struct':
        if (!isPlainObject(value)) throw new SchemaError(path, `expected an object, got ${describe(value, sensitive || looksSecretPath(path))}`);
        return this.struct(value, sensitive);
      case 'google.protobuf.Value':
        return this.struct(value, sensitive);
      case 'google.protobuf.ListValue':
        if (!Array.isArray(value)) throw new SchemaError(path, `expected a list, got ${describe(value, sensitive || looksSecretPath(path))}`);
        return this.struct(value, sensitive);
      case 'google.protobuf.FieldMask': {
        const mask = canonicalFieldMask(value);
        if (mask === undefined) throw new SchemaError(path, `${describe(value, sensitive || looksSecretPath(path))} is not a valid field mask`);
        return mask;
      }
      default:
        return undefined;
    }
  }

  private any(value: unknown, path: string, sensitive: boolean): JsonValue {
    if (!isPlainObject(value)) throw new SchemaError(path, `expected an object with @type, got ${describe(value, sensitive || looksSecretPath(path))}`);
    const typeUrl = value['@type'];
    if (typeUrl === undefined && Object.keys(value).length === 0) return {};
    if (typeof typeUrl !== 'string' || typeUrl === '') throw new SchemaError(`${path}/@type`, 'missing @type');
    const typeName = typeNameFromUrl(typeUrl);
    const canonicalUrl = TYPE_URL_PREFIX + typeName;
    const { ['@type']: _type, ...rest } = value;
    const type = this.registry.lookupType(typeName);
    if (!type) {
      if (this.options.strictEnvoyTypes && isEnvoyTypeName(typeName)) {
        throw new SchemaError(`${path}/@type`, `${typeName} is not a type of Envoy ${this.registry.apiVersion}'s API`);
      }
      this.bumpUnknownType(typeName);
      return { '@type': canonicalUrl, ...(this.unknown(rest, sensitive) as Record<string, JsonValue>) };
    }
    if (SPECIAL_JSON.has(typeName)) {
      return { '@type': canonicalUrl, value: this.message(type, rest['value'], `${path}/value`, sensitive) };
    }
    const body = this.message(type, rest, path, sensitive) as Record<string, JsonValue>;
    return { '@type': canonicalUrl, ...body };
  }

  private bumpUnknownType(typeName: string): void {
    const name = typeName.replace(/^\./, '');
    this.stats.unknownTypes.set(name, (this.stats.unknownTypes.get(name) ?? 0) + 1);
  }
}

const SCALAR_TYPES = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes']);

function isMessageTypeName(type: string): boolean {
  return !SCALAR_TYPES.has(type);
}

function canonicalScalar(type: string, raw: unknown): JsonValue | undefined {
  switch (type) {
    case 'double':
      return canonicalFloat(raw, false);
    case 'float':
      return canonicalFloat(raw, true);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return canonicalInt32(raw, false);
    case 'uint32':
    case 'fixed32':
      return canonicalInt32(raw, true);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return canonicalInt64(raw, false);
    case 'uint64':
    case 'fixed64':
      return canonicalInt64(raw, true);
    case 'bool':
      return canonicalBool(raw);
    case 'string':
      if (typeof raw === 'string') return raw;
      // YAML reads an unquoted `80` or `true` as a scalar; Envoy's loader accepts it as text.
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return undefined;
    case 'bytes':
      return canonicalBytes(raw);
    default:
      return undefined;
  }
}

function isScalarDefault(value: JsonValue): boolean {
  return value === 0 || value === '' || value === false || value === '0';
}

function defaultOf(field: protobuf.Field): JsonValue {
  const resolved = resolvedTypeOf(field);
  if (resolved instanceof protobuf.Type) return {};
  if (resolved instanceof protobuf.Enum) return enumDefault(resolved) ?? 0;
  switch (field.type) {
    case 'bool':
      return false;
    case 'string':
    case 'bytes':
      return '';
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return '0';
    default:
      return 0;
  }
}

function enumName(type: protobuf.Enum, raw: unknown): string | number | undefined {
  if (typeof raw === 'string') {
    if (raw in type.values) return raw;
    if (/^-?\d+$/.test(raw)) return type.valuesById[Number(raw)] ?? Number(raw);
    return undefined;
  }
  if (typeof raw === 'number' && Number.isInteger(raw)) return type.valuesById[raw] ?? raw;
  return undefined;
}

function enumDefault(type: protobuf.Enum): string | undefined {
  return type.valuesById[0];
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

/**
 * Envoy's YAML loader stores an integer outside the int32 range in a Struct
 * as its decimal text (so it keeps its precision); JSON keeps it a number.
 * Both spellings become the text.
 */
function normaliseLargeInteger(value: number): JsonValue {
  return Number.isInteger(value) && (value < INT32_MIN || value > INT32_MAX) ? String(value) : value;
}

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;

/**
 * Without a schema: keys sorted, integer text read as a number (int64 is text
 * in proto3 JSON), durations in one spelling, and scalars at their proto3
 * default dropped from objects, since Envoy prints none of them.
 */
function lenientJson(value: unknown, sensitive: boolean): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    if (sensitive) return REDACTED;
    if (INTEGER_TEXT.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    const duration = /^-?\d+(\.\d+)?s$/.test(value) ? canonicalDuration(value) : undefined;
    return duration ?? value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => lenientJson(v, sensitive));
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const inner = lenientJson(value[key], sensitive || looksSecretName(key));
      if (inner === 0 || inner === '' || inner === false || inner === null) continue;
      if (Array.isArray(inner) && inner.length === 0) continue;
      out[key === '@type' ? key : snakeCase(key)] = key === '@type' && typeof inner === 'string' ? TYPE_URL_PREFIX + typeNameFromUrl(inner) : inner;
    }
    return out;
  }
  return String(value);
}

/** What a bad value is, for an error; never a byte of it under a sensitive or secret-looking field. */
function looksSecretPath(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return looksSecretName(last);
}

function describe(value: unknown, withheld: boolean): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (withheld) return `a ${typeof value} (value withheld: sensitive field)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
