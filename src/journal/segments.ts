import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { readRecordLine, type JournalRecord } from './record.js';

/** Segment files are named after the sequence number of their first record. */
export interface SegmentFile {
  readonly firstSeq: number;
  readonly path: string;
}

const SEGMENT_NAME = /^(\d{20})\.log$/;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.log`;
}

export function journalDir(dataDir: string): string {
  return join(dataDir, 'journal');
}

export function listSegments(dir: string): SegmentFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .map((name) => SEGMENT_NAME.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ firstSeq: Number(match[1]), path: join(dir, match[0]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The anchor names the last record dropped by the size bound, so verification can start after it. */
export interface Anchor {
  readonly seq: number;
  readonly hash: string;
}

export const ANCHOR_FILE = 'anchor.json';

/** The complete records of a segment's text, without checking hashes (verification is `audit verify`'s job). */
function parseSegment(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
    const record = readRecordLine(text.slice(start, end));
    if (record) records.push(record);
    start = end + 1;
  }
  return records;
}

/** Reads the complete records of a segment (synchronously: tools and tests; the running journal uses `readSegmentRecords`). */
export function readSegment(path: string): { records: JournalRecord[] } {
  return { records: parseSegment(readFileSync(path, 'utf8')) };
}

export async function readSegmentRecords(path: string): Promise<JournalRecord[]> {
  return parseSegment(await readFile(path, 'utf8'));
}

export function readAnchor(dir: string): Anchor | undefined {
  try {
    return anchorOf(readFileSync(join(dir, ANCHOR_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

function anchorOf(text: string): Anchor | undefined {
  const parsed = JSON.parse(text) as Anchor;
  return typeof parsed.seq === 'number' && typeof parsed.hash === 'string' ? parsed : undefined;
}

export async function writeAnchor(dir: string, anchor: Anchor): Promise<void> {
  await writeFileAtomic(join(dir, ANCHOR_FILE), `${JSON.stringify(anchor)}\n`);
}

