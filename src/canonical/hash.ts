import { createHash } from 'node:crypto';
import { canonicalStringify, type JsonValue } from './canonical-json.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** SHA-256 of a value's canonical bytes. */
export function hashValue(value: JsonValue): string {
  return sha256(canonicalStringify(value));
}

/**
 * Root over a set of (key, hash) leaves: the hash of the sorted leaf lines.
 * Order of insertion never matters, and any leaf change moves the root.
 */
export function rootHash(leaves: Iterable<readonly [string, string]>): string {
  const lines = [...leaves].map(([key, hash]) => `${key}\t${hash}\n`).sort();
  return sha256(lines.join(''));
}
