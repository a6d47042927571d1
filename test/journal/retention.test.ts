import t from 'tap';
import { createEvent } from '../../src/events/event.js';
import type { CursorStore } from '../../src/journal/cursor-store.js';
import { encodeRecord, GENESIS_HASH, type JournalRecord } from '../../src/journal/record.js';
import { deliveryGaps } from '../../src/journal/retention.js';

function records(count: number): JournalRecord[] {
  const out: JournalRecord[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const { record } = encodeRecord(seq, prev, createEvent({ type: seq % 2 ? 'drift.detected' : 'drift.resolved', severity: 'info', message: `event ${seq}` }));
    out.push(record);
    prev = record.hash;
  }
  return out;
}

t.test('a dropped segment costs each sink exactly the records it had not delivered', async (t) => {
  const cursors = new Map([['done', 5], ['half', 2]]);
  const store = { get: (sink: string) => cursors.get(sink) } as unknown as CursorStore;
  const gaps = deliveryGaps(records(5), 5, ['done', 'half', 'new'], store);
  t.same(
    gaps.map((g) => [g.gap?.sink, g.gap?.firstSeq, g.gap?.lastSeq, g.gap?.count, g.gap?.countByType]),
    [
      ['half', 3, 5, 3, { 'drift.detected': 2, 'drift.resolved': 1 }],
      ['new', 1, 5, 5, { 'drift.detected': 3, 'drift.resolved': 2 }],
    ],
  );
  t.ok(gaps.every((g) => g.type === 'delivery.gap' && g.severity === 'high'));
});
