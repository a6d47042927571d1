import { readdirSync } from 'node:fs';
import { join } from 'node:path';

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
