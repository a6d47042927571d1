// Turns serialised FileDescriptorProtos into the registry's compact form: one
// line of protobufjs JSON per message or enum, sorted by full name, so that
// the runtime can build only the types it meets (src/proto/envoy-registry.ts).
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** udpa.annotations.sensitive, the FieldOptions extension Envoy's admin output redacts by. */
const SENSITIVE_EXTENSION = 76569463;

function descriptorRoot() {
  const root = protobuf.Root.fromJSON(require('protobufjs/google/protobuf/descriptor.json'));
  root.lookupType('google.protobuf.FieldOptions').add(new protobuf.Field('udpa_sensitive', SENSITIVE_EXTENSION, 'bool'));
  return root;
}

const SCALARS = {
  1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool',
  9: 'string', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64',
};
const TYPE_GROUP = 10;
const LABEL_REPEATED = 3;

/** protoc's default JSON name, which needs no option of its own. */
function defaultJsonName(name) {
  return name.replace(/_+([a-z0-9]?)/g, (_m, c) => c.toUpperCase());
}

export function decodeFiles(raws) {
  const FileDescriptorProto = descriptorRoot().lookupType('google.protobuf.FileDescriptorProto');
  return raws.map(({ source, raw }) => ({ source, file: FileDescriptorProto.toObject(FileDescriptorProto.decode(raw), { defaults: false, longs: String }) }));
}

function fieldJson(field, mapEntries) {
  const out = {};
  const entry = field.typeName ? mapEntries.get(field.typeName) : undefined;
  if (entry && field.label === LABEL_REPEATED) {
    const [key, value] = [entry.field.find((f) => f.number === 1), entry.field.find((f) => f.number === 2)];
    out.keyType = SCALARS[key.type];
    out.type = value.typeName ?? SCALARS[value.type];
  } else {
    if (field.type === TYPE_GROUP) throw new Error(`group field ${field.name} is not supported`);
    out.type = field.typeName ?? SCALARS[field.type];
    if (field.label === LABEL_REPEATED) out.rule = 'repeated';
  }
  out.id = field.number;
  const options = {};
  if (field.jsonName && field.jsonName !== defaultJsonName(field.name)) options.json_name = field.jsonName;
  if (field.proto3Optional) options.proto3_optional = true;
  if (field.options?.udpa_sensitive) options['(udpa.annotations.sensitive)'] = true;
  if (field.options?.deprecated) options.deprecated = true;
  if (Object.keys(options).length > 0) out.options = options;
  return out;
}

function messageLines(prefix, messages, emit, edition) {
  for (const message of messages ?? []) {
    if (message.options?.mapEntry) continue;
    const name = `${prefix}.${message.name}`;
    const mapEntries = new Map((message.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [`${name}.${n.name}`, n]));
    const fields = {};
    const oneofs = {};
    for (const field of message.field ?? []) {
      fields[field.name] = fieldJson(field, mapEntries);
      if (field.oneofIndex !== undefined) {
        const oneof = message.oneofDecl[field.oneofIndex].name;
        (oneofs[oneof] ??= { oneof: [] }).oneof.push(field.name);
      }
    }
    emit({ name, fields, ...(Object.keys(oneofs).length > 0 ? { oneofs } : {}), ...edition });
    enumLines(name, message.enumType, emit, edition);
    messageLines(name, message.nestedType, emit, edition);
  }
}

function enumLines(prefix, enums, emit, edition) {
  for (const e of enums ?? []) {
    const values = {};
    for (const value of e.value ?? []) values[value.name] = value.number ?? 0;
    emit({ name: `${prefix}.${e.name}`, values, ...edition });
  }
}

/** JSON lines sorted by type name; fields, values and oneofs keep the .proto's order, as protoc gives it. */
export function descriptorLines(files) {
  const lines = [];
  const emit = (l) => lines.push(l);
  for (const file of files) {
    const prefix = file.package ? `.${file.package}` : '';
    if (file.syntax === 'editions') throw new Error(`${file.name}: protobuf editions are not supported yet`);
    // proto3 is the registry's default; the few proto2 files (descriptor.proto, validate.proto) say so.
    const edition = file.syntax === 'proto3' ? {} : { edition: 'proto2' };
    messageLines(prefix, file.messageType, emit, edition);
    enumLines(prefix, file.enumType, emit, edition);
  }
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}
