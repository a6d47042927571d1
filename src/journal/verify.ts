import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { newestClaim, type AnchorFile } from './anchor-file.js';
import { verifyCheckpoint } from './checkpoint.js';
import { GENESIS_HASH, parseRecordLine } from './record.js';
import { journalDir, listSegments, readAnchor } from './segments.js';

export type BreakKind = 'sequence-gap' | 'out-of-order' | 'hash-mismatch' | 'chain-break' | 'bad-signature' | 'truncated' | 'malformed' | 'missing-tail' | 'rewritten-head' | 'missing-journal' | 'bad-anchor';

export interface JournalBreak {
  readonly kind: BreakKind;
  readonly file: string;
  readonly line?: number;
  readonly seq?: number;
  readonly message: string;
}

export interface VerifyReport {
  readonly total: number;
  readonly valid: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  readonly checkpoints: number;
  /** Checkpoints without a signature (no key configured): they anchor, but prove nothing on their own. */
  readonly unsigned: number;
  /** The anchor given, and how far it proves the journal went. */
  readonly anchor?: { readonly file: string; readonly claims: number; readonly reached?: number; readonly checked: number };
  readonly keyIds: readonly string[];
  readonly breaks: readonly JournalBreak[];
}

/**
 * Walks every segment of a data dir's journal and reports each break in the
 * chain. Read-only: it never repairs anything. With `publicKey`, checkpoint
 * signatures must be by that key; without it, by the key each one carries.
 */
export function verifyJournal(dataDir: string, options: { readonly publicKey?: KeyObject; readonly anchor?: AnchorFile } = {}): VerifyReport {
  const dir = journalDir(dataDir);
  const journalAnchor = readAnchor(dir);
  const breaks: JournalBreak[] = [];
  const keyIds = new Set<string>();
  let expectedSeq = journalAnchor ? journalAnchor.seq + 1 : 1;
  let prevHash = journalAnchor ? journalAnchor.hash : GENESIS_HASH;
  let resync = false;
  let total = 0;
  let valid = 0;
  let checkpoints = 0;
  let unsigned = 0;
  let checked = 0;
  let lastTime: string | undefined;
  const claimed = new Map<number, { hash: string; line: number }>();
  for (const claim of options.anchor?.claims ?? []) if (!claimed.has(claim.seq)) claimed.set(claim.seq, { hash: claim.hash, line: claim.line });
  let firstSeq: number | undefined;
  let lastSeq: number | undefined;

  const segments = listSegments(dir);
  // Segments the anchor already covers are a drop the agent had not finished; it removes them on its next start.
  while (journalAnchor && segments.length > 1 && (segments[1] as { firstSeq: number }).firstSeq - 1 <= journalAnchor.seq) segments.shift();
  for (const segment of segments) {
    const file = basename(segment.path);
    const text = readFileSync(segment.path, 'utf8');
    const lines = text.split('\n');
    const tail = lines.pop() ?? '';
    let firstInFile = true;
    lines.forEach((line, index) => {
      const lineNo = index + 1;
      const at = { file, line: lineNo };
      total++;
      const parsed = parseRecordLine(line);
      if (!parsed.ok && parsed.reason === 'malformed') {
        breaks.push({ ...at, kind: 'malformed', message: 'record is not a journal record' });
        resync = true;
        return;
      }
      const seq = parsed.ok ? parsed.record.seq : (parsed.seq as number);
      firstSeq ??= seq;
      lastSeq = seq;
      let intact = true;
      if (firstInFile && seq !== segment.firstSeq) {
        breaks.push({ ...at, seq, kind: 'out-of-order', message: `segment named for seq ${segment.firstSeq} starts with seq ${seq}` });
      }
      firstInFile = false;
      if (!resync && seq > expectedSeq) {
        breaks.push({ ...at, seq, kind: 'sequence-gap', message: `records ${expectedSeq}-${seq - 1} are missing before seq ${seq}` });
        intact = false;
      } else if (!resync && seq < expectedSeq) {
        breaks.push({ ...at, seq, kind: 'out-of-order', message: `seq ${seq} appears after seq ${expectedSeq - 1}` });
        intact = false;
      }
      if (!parsed.ok) {
        breaks.push({ ...at, seq, kind: 'hash-mismatch', message: 'record content does not match its hash' });
        prevHash = line.slice(0, 64);
        expectedSeq = seq + 1;
        resync = false;
        return;
      }
      const record = parsed.record;
      if (intact && !resync && record.prev !== prevHash) {
        breaks.push({ ...at, seq, kind: 'chain-break', message: 'previous-hash does not match the record before it' });
        intact = false;
      }
      const checkpoint = record.event.type === 'audit.checkpoint' ? record.event.checkpoint : undefined;
      const claim = claimed.get(seq);
      if (claim) {
        checked++;
        if (claim.hash !== record.hash) {
          breaks.push({ ...at, seq, kind: 'rewritten-head', message: `record ${seq} has hash ${record.hash.slice(0, 16)}… here, but ${claim.hash.slice(0, 16)}… left the node (${options.anchor?.file}:${claim.line}): the journal was rewritten from here on` });
          intact = false;
        }
      }
      lastTime = record.event.time;
      const signedCheckpoint = checkpoint?.signature !== undefined || options.publicKey !== undefined;
      if (checkpoint && !signedCheckpoint) {
        checkpoints++;
        unsigned++;
        if (checkpoint.seq !== seq - 1 || checkpoint.hash !== record.prev) {
          breaks.push({ ...at, seq, kind: 'chain-break', message: `checkpoint over seq ${checkpoint.seq} does not match the record before it` });
          intact = false;
        }
      } else if (checkpoint) {
        checkpoints++;
        if (checkpoint.keyId) keyIds.add(checkpoint.keyId);
        if (checkpoint.seq !== seq - 1 || checkpoint.hash !== record.prev || !verifyCheckpoint(checkpoint, options.publicKey)) {
          breaks.push({ ...at, seq, kind: 'bad-signature', message: `checkpoint over seq ${checkpoint.seq} does not verify${options.publicKey ? ' with the given public key' : ''}` });
          intact = false;
        }
      } else if (record.event.type === 'audit.checkpoint') {
        breaks.push({ ...at, seq, kind: 'bad-signature', message: 'checkpoint record carries no signature' });
        intact = false;
      }
      if (intact) valid++;
      prevHash = record.hash;
      expectedSeq = seq + 1;
      resync = false;
    });
    if (tail !== '') {
      total++;
      breaks.push({ file, line: lines.length + 1, kind: 'truncated', message: `last record is cut short (${Buffer.byteLength(tail)} bytes without a newline)` });
    }
  }
  if (lastSeq !== undefined || journalAnchor) {
    const end = lastSeq ?? (journalAnchor as { seq: number }).seq;
    for (const [sink, seq] of readCursors(dataDir)) {
      if (seq > end) breaks.push({ file: `cursors/${sink}.json`, kind: 'missing-tail', message: `sink ${sink} delivered up to seq ${seq}, but the journal ends at seq ${end}: records ${end + 1}-${seq} are missing` });
    }
  }
  if (lastSeq === undefined && !journalAnchor) {
    const traces = agentTraces(dataDir);
    if (traces.length > 0) breaks.push({ file: 'journal', kind: 'missing-journal', message: `the journal has no records, but ${traces.join(', ')} show the agent ran here: the journal was emptied or deleted` });
  }
  const anchor = options.anchor;
  let anchorSummary: VerifyReport['anchor'];
  if (anchor) {
    for (const line of anchor.badSignatures) breaks.push({ file: anchor.file, line, kind: 'bad-anchor', message: `checkpoint does not verify${options.publicKey ? ' with the given public key' : ' with the key it carries'}: not counted as an anchor` });
    const newest = newestClaim(anchor);
    const end = lastSeq ?? journalAnchor?.seq ?? 0;
    if (newest && newest.reached > end) {
      const head = lastSeq === undefined ? 'the local journal has no records' : `the local head is seq ${end}${lastTime ? ` (${lastTime})` : ''}`;
      breaks.push({
        file: anchor.file,
        line: newest.line,
        kind: 'missing-tail',
        message: `the journal reached seq ${newest.reached}${newest.time ? ` by ${newest.time}` : ''} (this line left the node), but ${head}: records ${end + 1}-${newest.reached} are missing`,
      });
    }
    anchorSummary = { file: anchor.file, claims: anchor.claims.length, checked, ...(newest ? { reached: newest.reached } : {}) };
  }
  return { total, valid, firstSeq, lastSeq, checkpoints, unsigned, keyIds: [...keyIds], breaks, ...(anchorSummary ? { anchor: anchorSummary } : {}) };
}

/** Files only a running agent leaves in its data dir. */
function agentTraces(dataDir: string): string[] {
  const found: string[] = [];
  for (const name of ['findings.json', join('journal', 'lock'), join('journal', 'anchor.json')]) {
    if (existsSync(join(dataDir, name))) found.push(name);
  }
  if (readCursors(dataDir).length > 0) found.push('cursors/');
  return found;
}

function readCursors(dataDir: string): Array<[string, number]> {
  const dir = join(dataDir, 'cursors');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Array<[string, number]> = [];
  for (const name of names) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { seq?: unknown };
      if (typeof parsed.seq === 'number') out.push([name.slice(0, -'.json'.length), parsed.seq]);
    } catch {
      // a cursor that cannot be read proves nothing either way
    }
  }
  return out;
}

export function isIntact(report: VerifyReport): boolean {
  return report.breaks.length === 0;
}
