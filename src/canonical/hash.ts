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
  const hash = createHash('sha256');
  let pending = '';
  const emit = (piece: string): void => {
    pending += piece;
    if (pending.length >= UPDATE_BYTES) {
      hash.update(pending);
      pending = '';
    }
  };
  writeCanonical(value, emit);
  hash.update(pending);
  return hash.digest('hex');
}

/** canonicalStringify, written out in pieces; a long string in slices that never split a surrogate pair. */
function writeCanonical(value: JsonValue, emit: (piece: string) => void): void {
  if (typeof value === 'string' && value.length > UPDATE_BYTES) {
    emit('"');
    for (let start = 0; start < value.length; ) {
      let end = Math.min(start + UPDATE_BYTES, value.length);
      const last = value.charCodeAt(end - 1);
      if (end < value.length && last >= 0xd800 && last <= 0xdbff) end--;
      emit(JSON.stringify(value.slice(start, end)).slice(1, -1));
      start = end;
    }
    emit('"');
  } else if (value === null || typeof value !== 'object') emit(JSON.stringify(value));
  else if (Array.isArray(value)) {
    emit('[');
    value.forEach((item, i) => {
      if (i > 0) emit(',');
      writeCanonical(item, emit);
    });
    emit(']');
  } else {
    emit('{');
    Object.keys(value).sort().forEach((key, i) => {
      emit(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      writeCanonical(value[key] as JsonValue, emit);
    });
    emit('}');
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
