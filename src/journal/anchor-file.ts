import type { KeyObject } from 'node:crypto';
import { verifyCheckpoint } from './checkpoint.js';
import type { Checkpoint } from '../events/event.js';

/**
 * What left the node about the journal's head: a record's sequence number and
 * hash. A checkpoint over seq N is itself record N+1, so it proves the journal
 * reached N+1; a record position (OCSF `unmapped.journal`, ECS
 * `envoy_drift.journal`) proves it reached that seq.
 */
export interface HeadClaim {
  readonly seq: number;
  readonly hash: string;
  /** The highest sequence number this claim proves the journal reached. */
  readonly reached: number;
  readonly line: number;
  readonly time?: string;
}

export interface AnchorFile {
  readonly file: string;
  readonly claims: readonly HeadClaim[];
  /** Checkpoints in the file whose signature does not verify: the anchor itself was forged or damaged. */
  readonly badSignatures: readonly number[];
  /** Lines that are neither an event nor an export row (counted, not quoted: they may hold anything). */
  readonly skipped: number;
}

const HASH = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function position(value: unknown): { seq: number; hash: string } | undefined {
  if (!isObject(value)) return undefined;
  const seq = typeof value['seq'] === 'string' ? Number(value['seq']) : value['seq'];
  const hash = value['hash'];
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 && typeof hash === 'string' && HASH.test(hash) ? { seq, hash } : undefined;
}

/** A SIEM export row wraps the event: Splunk's `{result: {_raw}}`, `_raw` alone, Elasticsearch's `_source`. */
function unwrap(value: unknown): unknown {
  if (!isObject(value)) return value;
  if (isObject(value['result'])) return unwrap(value['result']);
  if (isObject(value['_source'])) return value['_source'];
  if (typeof value['_raw'] === 'string') {
    try {
      return JSON.parse(value['_raw']) as unknown;
    } catch {
      return undefined;
    }
  }
  return value;
}

/**
 * Reads the head claims out of what the sinks wrote: the file sink's NDJSON in
 * the json, ocsf or ecs format, or a SIEM export of it (NDJSON or one JSON
 * array). A file with no claim gives an empty list; the caller refuses it.
 */
export function parseAnchorFile(file: string, text: string, pinned?: KeyObject): AnchorFile {
  const claims: HeadClaim[] = [];
  const badSignatures: number[] = [];
  let skipped = 0;
  const rows: Array<{ value: unknown; line: number }> = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      const array = JSON.parse(trimmed) as unknown;
      if (Array.isArray(array)) array.forEach((value, index) => rows.push({ value, line: index + 1 }));
    } catch {
      skipped++;
    }
  } else {
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        rows.push({ value: JSON.parse(line) as unknown, line: index + 1 });
      } catch {
        skipped++;
      }
    });
  }
  for (const row of rows) {
    const event = unwrap(row.value);
    if (!isObject(event)) {
      skipped++;
      continue;
    }
    const nested = isObject(event['unmapped']) ? event['unmapped'] : isObject(event['envoy_drift']) ? event['envoy_drift'] : event;
    const time = typeof event['time'] === 'string' ? event['time'] : typeof event['@timestamp'] === 'string' ? event['@timestamp'] : undefined;
    let found = false;
    const checkpoint = nested['checkpoint'];
    const head = position(checkpoint);
    if (head) {
      found = true;
      const signed = isObject(checkpoint) && typeof checkpoint['signature'] === 'string';
      if ((signed || pinned) && !verifyCheckpoint(checkpoint as unknown as Checkpoint, pinned)) badSignatures.push(row.line);
      else claims.push({ ...head, reached: head.seq + 1, line: row.line, ...(time ? { time } : {}) });
    }
    const record = position(nested['journal']);
    if (record) {
      found = true;
      claims.push({ ...record, reached: record.seq, line: row.line, ...(time ? { time } : {}) });
    }
    if (!found && !(typeof event['id'] === 'string' || isObject(event['metadata']) || isObject(event['event']))) skipped++;
  }
  return { file, claims, badSignatures, skipped };
}

/** The claim that proves the journal went furthest. */
export function newestClaim(anchor: AnchorFile): HeadClaim | undefined {
  let newest: HeadClaim | undefined;
  for (const claim of anchor.claims) if (!newest || claim.reached > newest.reached) newest = claim;
  return newest;
}
