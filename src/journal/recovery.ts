import { syncFolder } from '../common/atomic-write.js';
import { open, stat, unlink } from 'node:fs/promises';
import type { CheckpointHead } from './checkpoint.js';
import { GENESIS_HASH } from './record.js';
import { listSegments, readAnchor, readSegmentRecords, type SegmentFile } from './segments.js';

export interface SizedSegment extends SegmentFile {
  size: number;
}

/** The journal's head as found on disk at open. */
export interface RecoveredJournal {
  readonly segments: SizedSegment[];
  readonly seq: number;
  readonly hash: string;
  readonly lastCheckpointSeq: number;
  readonly lastCheckpoint?: CheckpointHead;
}

/**
 * Rebuilds the head from disk. Only bytes after the last newline are cut: a
 * torn write that was never acknowledged. A complete but damaged record is
 * left in place for `audit verify` to report; the chain continues after it.
 */
export async function recoverJournal(dir: string): Promise<RecoveredJournal> {
  const segments: SizedSegment[] = await Promise.all(listSegments(dir).map(async (s) => ({ ...s, size: (await stat(s.path)).size })));
  // A drop interrupted after the anchor was written: the segment it covers goes now.
  const dropped = readAnchor(dir);
  while (dropped && segments.length > 1 && (segments[1] as SizedSegment).firstSeq - 1 <= dropped.seq) {
    await unlink((segments.shift() as SizedSegment).path);
    await syncFolder(dir);
  }
  const lastSegment = segments.at(-1);
  if (lastSegment) await cutTornTail(lastSegment);
  for (let index = segments.length - 1; index >= 0; index--) {
    const records = await readSegmentRecords((segments[index] as SizedSegment).path);
    const last = records.at(-1);
    if (last) {
      const checkpoint = records.findLast((r) => r.event.checkpoint !== undefined)?.event;
      return {
        segments,
        seq: last.seq,
        hash: last.hash,
        lastCheckpointSeq: last.seq,
        ...(checkpoint?.checkpoint ? { lastCheckpoint: { seq: checkpoint.checkpoint.seq, hash: checkpoint.checkpoint.hash, time: checkpoint.time, signed: checkpoint.checkpoint.signature !== undefined } } : {}),
      };
    }
  }
  const anchor = readAnchor(dir);
  if (anchor) return { segments, seq: anchor.seq, hash: anchor.hash, lastCheckpointSeq: anchor.seq };
  return { segments, seq: lastSegment ? (segments[0] as SizedSegment).firstSeq - 1 : 0, hash: GENESIS_HASH, lastCheckpointSeq: 0 };
}

async function cutTornTail(segment: SizedSegment): Promise<void> {
  const handle = await open(segment.path, 'r+');
  try {
    const text = await handle.readFile();
    const complete = text.lastIndexOf(0x0a) + 1;
    if (complete < text.length) {
      await handle.truncate(complete);
      await handle.sync();
      segment.size = complete;
    }
  } finally {
    await handle.close();
  }
}
