import { createHash } from 'node:crypto';
import type { JsonValue } from './canonical-json.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Pieces are gathered up to this size before each hash update: few calls into the hash, and no copy of a whole large value. */
const UPDATE_BYTES = 64 * 1024;

/**
 * SHA-256 of a value's canonical bytes, the bytes of canonicalStringify fed
 * to the hash piece by piece: a value holding a 50 MB string is not copied
 * whole (JSON text, then UTF-8) to be hashed.
 */
export function hashValue(value: JsonValue): string {
  const writer = new CanonicalHashWriter();
  writer.write(value);
  return writer.digest();
}

/**
 * Object keys as written in canonical text (`"key":`): the same few field
 * names recur in every resource of a dump. Bounded, as map keys are the
 * user's and unbounded.
 */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 4096;

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** canonicalStringify, written out in pieces; a long string in slices that never split a surrogate pair. Loops, not closures: it runs once per resource of a dump. */
class CanonicalHashWriter {
  private readonly hash = createHash('sha256');
  private pending = '';

  digest(): string {
    this.hash.update(this.pending);
    return this.hash.digest('hex');
  }

  write(value: JsonValue): void {
    if (typeof value === 'string' && value.length > UPDATE_BYTES) this.writeLongString(value);
    else if (value === null || typeof value !== 'object') this.emit(JSON.stringify(value));
    else if (Array.isArray(value)) {
      this.emit('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.emit(',');
        this.write(value[i] as JsonValue);
      }
      this.emit(']');
    } else {
      this.emit('{');
      const keys = Object.keys(value).sort();
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        this.emit(i > 0 ? `,${quotedKey(key)}` : quotedKey(key));
        this.write(value[key] as JsonValue);
      }
      this.emit('}');
    }
  }

  private writeLongString(value: string): void {
    this.emit('"');
    for (let start = 0; start < value.length; ) {
      let end = Math.min(start + UPDATE_BYTES, value.length);
      const last = value.charCodeAt(end - 1);
      if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
      this.emit(JSON.stringify(value.slice(start, end)).slice(1, -1));
      start = end;
    }
    this.emit('"');
  }

  private emit(piece: string): void {
    this.pending += piece;
    if (this.pending.length >= UPDATE_BYTES) {
      this.hash.update(this.pending);
      this.pending = '';
    }
  }
}

/**
 * Root over a set of (key, hash) leaves: the hash of the sorted leaf lines.
 * Order of insertion never matters, and any leaf change moves the root.
 */
export function rootHash(leaves: Iterable<readonly [string, string]>): string {
  const lines = [...leaves].map(([key, hash]) => `${key}\t${hash}\n`).sort();
  return sha256(lines.join(''));
}
