import { createHash } from 'node:crypto';
import type { DriftEvent } from '../events/event.js';

/**
 * One journal line: `<sha256 hex> <json>\n`, where the JSON is
 * `{"seq":…,"prev":…,"event":…}` and the hash is taken over exactly those JSON
 * bytes. `prev` is the previous record's hash, so the chain covers every byte.
 */
export interface JournalRecord {
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  readonly event: DriftEvent;
}

export const GENESIS_HASH = '0'.repeat(64);
const HASH_LENGTH = 64;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function encodeRecord(seq: number, prev: string, event: DriftEvent): { readonly record: JournalRecord; readonly line: string } {
  const body = JSON.stringify({ seq, prev, event });
  const hash = sha256Hex(body);
  return { record: { seq, prev, hash, event }, line: `${hash} ${body}\n` };
}

export type ParsedLine =
  | { readonly ok: true; readonly record: JournalRecord }
  | { readonly ok: false; readonly reason: 'malformed' | 'hash-mismatch'; readonly seq?: number };

/** Parses one line (without its newline), checking its own hash. */
export function parseRecordLine(line: string): ParsedLine {
  if (line.length < HASH_LENGTH + 2 || line[HASH_LENGTH] !== ' ') return { ok: false, reason: 'malformed' };
  const hash = line.slice(0, HASH_LENGTH);
  const body = line.slice(HASH_LENGTH + 1);
  let parsed: { seq?: unknown; prev?: unknown; event?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof parsed.seq !== 'number' || !Number.isSafeInteger(parsed.seq) || typeof parsed.prev !== 'string' || !parsed.event || typeof parsed.event !== 'object') {
    return { ok: false, reason: 'malformed' };
  }
  if (sha256Hex(body) !== hash) return { ok: false, reason: 'hash-mismatch', seq: parsed.seq };
  return { ok: true, record: { seq: parsed.seq, prev: parsed.prev, hash, event: parsed.event as DriftEvent } };
}

/** Parses a line a reader already trusts: no hash check, just the fields. */
export function readRecordLine(line: string): JournalRecord | undefined {
  try {
    const parsed = JSON.parse(line.slice(HASH_LENGTH + 1)) as { seq: number; prev: string; event: DriftEvent };
    return { seq: parsed.seq, prev: parsed.prev, hash: line.slice(0, HASH_LENGTH), event: parsed.event };
  } catch {
    return undefined;
  }
}
