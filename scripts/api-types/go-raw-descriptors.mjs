// Reads the serialised FileDescriptorProto that protoc-gen-go embeds in every
// .pb.go file (`file_<name>_rawDesc`), without compiling Go: the module
// source is all that is needed. Two spellings exist, depending on the
// protoc-gen-go release that generated the file: a concatenation of string
// literals (v1.36 on) and a []byte literal of hex numbers (before).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SIMPLE_ESCAPES = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34 };

/** The bytes of one Go interpreted string literal body (without its quotes). */
export function goStringBytes(body) {
  const out = [];
  for (let i = 0; i < body.length; ) {
    const c = body[i];
    if (c !== '\\') {
      const cp = body.codePointAt(i);
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (e === 'x') {
      out.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      out.push(...Buffer.from(String.fromCodePoint(parseInt(body.slice(i + 2, i + 2 + len), 16)), 'utf8'));
      i += 2 + len;
    } else if (/[0-7]/.test(e)) {
      out.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      throw new Error(`unknown Go escape \\${e}`);
    }
  }
  return out;
}

const STRING_CONST = /^const (file_\w+_rawDesc) = ""((?: \+\n\t"(?:[^"\\\n]|\\.)*")*)\n/m;
const BYTES_VAR = /^var (file_\w+_rawDesc) = \[\]byte\{\n([\s\S]*?)\n\}\n/m;

/** The raw descriptor embedded in one .pb.go source, or undefined if there is none. */
export function rawDescriptorOf(source) {
  const literal = STRING_CONST.exec(source);
  if (literal) {
    const parts = [...literal[2].matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => goStringBytes(m[1]));
    return Buffer.from(parts.flat());
  }
  const bytes = BYTES_VAR.exec(source);
  if (bytes) return Buffer.from(bytes[2].match(/0x[0-9a-fA-F]{2}/g).map((h) => parseInt(h, 16)));
  return undefined;
}

/** Every generated .pb.go under dir (validation and vtproto companions are not descriptors). */
export function pbGoFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...pbGoFiles(path));
    else if (entry.name.endsWith('.pb.go') && !entry.name.endsWith('_vtproto.pb.go') && !entry.name.endsWith('.pb.validate.go')) found.push(path);
  }
  return found;
}

/** Raw descriptors of every .pb.go file under dir. */
export function rawDescriptorsUnder(dir) {
  const out = [];
  for (const file of pbGoFiles(dir)) {
    const raw = rawDescriptorOf(readFileSync(file, 'utf8'));
    if (raw) out.push({ source: file, raw });
  }
  return out;
}
