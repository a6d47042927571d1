import protobuf from 'protobufjs';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { previousFields } from '../../scripts/api-types/previous-api.mjs';

/**
 * Fields added to Envoy's API since the previous registry (mid-2024), read
 * from the two APIs rather than listed by hand, with a value for each and its
 * other proto3 JSON spellings.
 */
export interface Spelling {
  /** What the spelling shows: "duration as an object", "enum by number"… */
  readonly kind: string;
  readonly value: unknown;
}

export interface NewField {
  /** Message that gained the field, `envoy.config.cluster.v3.Cluster`. */
  readonly message: string;
  readonly field: string;
  /** What the live config carries. */
  readonly value: unknown;
  /** Other spellings of the same value. */
  readonly spellings: readonly Spelling[];
  /** The field's default written out, for fields without presence; undefined where there is none. */
  readonly writtenDefault?: unknown;
  /** A different value: a real change. */
  readonly changed: unknown;
}

export interface SkippedField {
  readonly message: string;
  readonly field: string;
  readonly reason: string;
}

const WRAPPER_SCALAR: Record<string, string> = {
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.StringValue': 'string',
};

const is64 = (scalar: string): boolean => /64$/.test(scalar);

/** A value, its respellings and a change, for one scalar type; undefined where the generator has none. */
function scalarCase(scalar: string): Omit<NewField, 'message' | 'field'> | undefined {
  switch (scalar) {
    case 'bool':
      return { value: true, spellings: [{ kind: 'bool', value: true }], writtenDefault: false, changed: false };
    case 'string':
      return { value: 'nf-value', spellings: [{ kind: 'string', value: 'nf-value' }], writtenDefault: '', changed: 'nf-other' };
    case 'double':
    case 'float':
      return { value: 2.5, spellings: [{ kind: 'number as text', value: '2.5' }], writtenDefault: 0, changed: 3.5 };
    default:
      if (!/int|fixed/.test(scalar)) return undefined;
      return is64(scalar)
        ? { value: '64', spellings: [{ kind: '64-bit number as a string', value: '64' }, { kind: '64-bit number as a number', value: 64 }], writtenDefault: '0', changed: '65' }
        : { value: 64, spellings: [{ kind: 'number', value: 64 }, { kind: 'number as text', value: '64' }], writtenDefault: 0, changed: 65 };
  }
}

/**
 * A flat message (scalars and well-known types only, no oneof: Percent,
 * TcpKeepalive) is given through its first field with a generic value; a
 * richer one has rules of its own (a matcher needs an action, an extension a
 * typed_config) that no generic value meets.
 */
function messageCase(type: protobuf.Type, depth: number): Omit<NewField, 'message' | 'field'> | undefined {
  if (depth > 0 || type.oneofsArray.length > 0) return undefined;
  const flat = type.fieldsArray.every((f) => {
    const inner = f.resolve().resolvedType;
    return !(inner instanceof protobuf.Type) || (inner.fullName.startsWith('.google.protobuf.') && !/\.(Any|Struct|Value|ListValue)$/.test(inner.fullName));
  });
  if (!flat) return undefined;
  for (const inner of type.fieldsArray) {
    if (inner.options?.['deprecated'] || (inner.partOf && inner.partOf.oneof.length > 1)) continue;
    const made = fieldCase(inner, depth + 1);
    if (typeof made === 'string' || made.value === undefined) continue;
    return {
      value: { [inner.name]: made.value },
      spellings: made.spellings.map((s) => ({ kind: s.kind, value: { [inner.name]: s.value } })),
      changed: { [inner.name]: made.changed },
    };
  }
  return undefined;
}

function fieldCase(field: protobuf.Field, depth = 0, resolvedElement?: protobuf.Type | protobuf.Enum | null): Omit<NewField, 'message' | 'field'> | string {
  if (field instanceof protobuf.MapField) return 'map: only its empty default is respelled';
  const resolved = resolvedElement ?? field.resolve().resolvedType;
  if (field.repeated) {
    // A list of scalars or enums: one element, respelled as the element is.
    if (resolved instanceof protobuf.Type || depth > 0) return 'repeated: only its empty default is respelled';
    const element = fieldCase(new protobuf.Field(field.name, field.id, field.type), depth + 1, resolved);
    if (typeof element === 'string') return element;
    return { value: [element.value], spellings: element.spellings.map((s) => ({ kind: s.kind, value: [s.value] })), writtenDefault: [], changed: [element.changed] };
  }
  const presence = field.partOf !== null && field.partOf !== undefined;
  if (resolved instanceof protobuf.Enum) {
    const entries = Object.entries(resolved.values);
    const [name, number] = entries[entries.length - 1]!;
    const [otherName] = entries[entries.length - 2] ?? entries[0]!;
    return { value: name, spellings: [{ kind: 'enum by name', value: name }, { kind: 'enum by number', value: number }], ...(presence ? {} : { writtenDefault: entries.find(([, n]) => n === 0)?.[0] }), changed: otherName };
  }
  if (resolved instanceof protobuf.Type) {
    const name = resolved.fullName;
    if (name === '.google.protobuf.Duration') {
      return {
        value: '2.500s',
        spellings: [{ kind: 'duration as text', value: '2.5s' }, { kind: 'duration as object', value: { seconds: 2, nanos: 500_000_000 } }, { kind: 'duration as object, seconds as text', value: { seconds: '2', nanos: 500_000_000 } }],
        changed: '3s',
      };
    }
    if (name === '.google.protobuf.Timestamp') {
      return { value: '2025-01-02T03:04:05Z', spellings: [{ kind: 'timestamp with offset', value: '2025-01-02T04:04:05+01:00' }, { kind: 'timestamp with fraction', value: '2025-01-02T03:04:05.000Z' }], changed: '2025-01-02T03:04:06Z' };
    }
    const scalar = WRAPPER_SCALAR[name];
    if (scalar) {
      const inner = scalarCase(scalar);
      if (!inner) return `wrapper of ${scalar}`;
      return {
        value: inner.value,
        spellings: [...inner.spellings.map((s) => ({ kind: `wrapper bare, ${s.kind}`, value: s.value })), { kind: 'wrapper as an object', value: { value: inner.value } }],
        changed: inner.changed,
      };
    }
    return messageCase(resolved, depth) ?? `message ${name.slice(1)}: no generic value`;
  }
  const scalar = scalarCase(field.type);
  if (!scalar) return `type ${field.type}`;
  return presence ? { value: scalar.value, spellings: scalar.spellings, changed: scalar.changed } : scalar;
}

/** New fields of the given messages, and the ones the generator leaves out, each with why. */
export function newFields(messages: readonly string[]): { fields: NewField[]; skipped: SkippedField[] } {
  const registry = envoyRegistry();
  const fields: NewField[] = [];
  const skipped: SkippedField[] = [];
  for (const message of messages) {
    const type = registry.lookupType(message);
    if (!type) throw new Error(`${message} is not in the registry`);
    const before = previousFields(message) ?? new Set<string>();
    const oneofsUsed = new Set<string>();
    for (const field of type.fieldsArray) {
      if (before.has(field.name)) continue;
      if (field.options?.['deprecated']) {
        skipped.push({ message, field: field.name, reason: 'deprecated' });
        continue;
      }
      const oneof = field.partOf && field.partOf.oneof.length > 1 ? field.partOf.name : undefined;
      if (oneof && oneofsUsed.has(oneof)) {
        skipped.push({ message, field: field.name, reason: `oneof ${oneof} already set by another new field` });
        continue;
      }
      const made = fieldCase(field);
      if (typeof made === 'string') {
        if (field.repeated || field instanceof protobuf.MapField) fields.push({ message, field: field.name, value: undefined, spellings: [], writtenDefault: [], changed: undefined });
        else skipped.push({ message, field: field.name, reason: made });
        continue;
      }
      if (oneof) oneofsUsed.add(oneof);
      fields.push({ message, field: field.name, ...made });
    }
  }
  return { fields, skipped };
}
