import { syncFolder } from '../common/atomic-write.js';
import { unlink } from 'node:fs/promises';
import type { EventInput } from '../events/event.js';
import type { CursorStore } from './cursor-store.js';
import type { JournalRecord } from './record.js';
import { readSegmentRecords, writeAnchor, type SegmentFile } from './segments.js';

/** What dropping the oldest segment loses: one delivery.gap event per sink that has not delivered all of it. */
export function deliveryGaps(records: readonly JournalRecord[], lastSeq: number, sinkNames: readonly string[], cursors: CursorStore | undefined): EventInput[] {
  const gaps: EventInput[] = [];
  for (const sink of sinkNames) {
    const cursor = cursors?.get(sink) ?? 0;
    if (cursor >= lastSeq) continue;
    const lost = records.filter((r) => r.seq > cursor);
    const first = lost[0];
    const last = lost.at(-1);
    if (!first || !last) continue;
    const countByType: Record<string, number> = {};
    for (const r of lost) countByType[r.event.type] = (countByType[r.event.type] ?? 0) + 1;
    gaps.push({
      type: 'delivery.gap',
      severity: 'high',
      message: `sink ${sink} lost ${lost.length} records (seq ${first.seq}-${last.seq}): the journal size bound dropped them before delivery`,
      gap: {
        sink,
        firstSeq: first.seq,
        lastSeq: last.seq,
        count: lost.length,
        firstTime: first.event.time,
        lastTime: last.event.time,
        firstEventId: first.event.id,
        lastEventId: last.event.id,
        countByType,
      },
    });
  }
  return gaps;
}

/**
 * The size bound, without blocking the event loop: plans the drop of the
 * oldest segment (`next` is the one after it), lets the caller journal the
 * gap events, then anchors and removes the segment.
 */
export async function dropOldestSegment(
  dir: string,
  oldest: SegmentFile,
  next: SegmentFile,
  options: { readonly sinkNames: readonly string[]; readonly cursors: CursorStore | undefined },
  journalGaps: (gaps: EventInput[]) => Promise<void>,
): Promise<void> {
  const records = await readSegmentRecords(oldest.path);
  const lastRecord = records.at(-1);
  const gaps = deliveryGaps(records, next.firstSeq - 1, options.sinkNames, options.cursors);
  // The gap events are on disk before the records they describe are gone: a crash in between repeats them, never loses them.
  if (gaps.length > 0) await journalGaps(gaps);
  if (lastRecord) await writeAnchor(dir, { seq: lastRecord.seq, hash: lastRecord.hash });
  await unlink(oldest.path);
  await syncFolder(dir);
}
