import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CursorStore } from '../../src/journal/cursor-store.js';
import { Journal } from '../../src/journal/journal.js';
import { JournalReader } from '../../src/journal/journal-reader.js';
import { GENESIS_HASH, parseRecordLine, type JournalRecord } from '../../src/journal/record.js';
import { journalDir, listSegments, readAnchor, readSegment } from '../../src/journal/segments.js';
import { verifyJournal } from '../../src/journal/verify.js';
import { driftInput } from '../helpers/records.js';
import { workdir } from '../helpers/workdir.js';

function dataDir(t: Test): string {
  const dir = workdir(t, 'envoy-drift-journal-');
  return dir;
}

t.test('records are chained, synced before append resolves, and the chain continues after a reopen', async (t) => {
  const dir = dataDir(t);
  const journal = await Journal.open({ dataDir: dir });
  const first = await journal.add(driftInput(1));
  const records = await Promise.all([journal.add(driftInput(2)), journal.add(driftInput(3))]);
  t.equal(first.seq, 1);
  t.equal(first.prev, GENESIS_HASH);
  t.same(records.map((r) => r.seq), [2, 3]);
  t.equal(records[0]?.prev, first.hash);
  t.equal(records[1]?.prev, records[0]?.hash);
  const onDisk = readFileSync(listSegments(journalDir(dir))[0]?.path ?? '', 'utf8').split('\n');
  t.equal(onDisk.length, 4, 'three lines and the final newline');
  t.ok(onDisk.slice(0, 3).every((line) => parseRecordLine(line).ok));
  await journal.close();

  const reopened = await Journal.open({ dataDir: dir });
  t.equal(reopened.committedSeq, 3);
  const fourth = await reopened.add(driftInput(4));
  t.equal(fourth.seq, 4);
  t.equal(fourth.prev, records[1]?.hash);
  await reopened.close();
  t.same(verifyJournal(dir).breaks, []);
});

t.test('a torn last record, never acknowledged, is cut on open; a damaged complete one is kept for verify', async (t) => {
  const dir = dataDir(t);
  const journal = await Journal.open({ dataDir: dir });
  await journal.add(driftInput(1));
  await journal.add(driftInput(2));
  await journal.close();
  const segment = listSegments(journalDir(dir))[0]?.path ?? '';
  const sizeBefore = statSync(segment).size;
  appendFileSync(segment, '3f2a {"seq":3,"prev":"ab');
  t.equal(verifyJournal(dir).breaks[0]?.kind, 'truncated', 'verify sees the torn record');
  const reopened = await Journal.open({ dataDir: dir });
  t.equal(statSync(segment).size, sizeBefore, 'the torn bytes are gone');
  t.equal((await reopened.add(driftInput(3))).seq, 3);
  await reopened.close();
  t.same(verifyJournal(dir).breaks, []);
});

t.test('a second writer on the same journal is refused', async (t) => {
  const dir = dataDir(t);
  const journal = await Journal.open({ dataDir: dir });
  t.teardown(() => journal.close());
  // The lock names a live process: pretend it is another one.
  writeFileSync(join(journalDir(dir), 'lock'), String(process.ppid));
  await t.rejects(Journal.open({ dataDir: dir }), { code: 'ED_JOURNAL_LOCKED' });
});

t.test('segments roll at the size; the bound drops the oldest and writes exactly what each sink lost', async (t) => {
  const dir = dataDir(t);
  const cursors = new CursorStore(dir);
  const journal = await Journal.open({ dataDir: dir, segmentBytes: 2_000, maxBytes: 6_000, cursors, sinkNames: ['fast', 'slow'] });
  // An observer reads every record as it is committed, before the bound can drop it.
  const observer = new JournalReader(journal, 0);
  const seen = new Map<number, JournalRecord>();
  const observe = async (): Promise<void> => {
    for (const record of await observer.read(1000)) seen.set(record.seq, record);
  };
  // "fast" keeps up, "slow" never delivers anything.
  for (let i = 0; i < 60; i++) {
    if (i === 12) t.ok(listSegments(journalDir(dir)).length > 1, 'several segments');
    const record = await journal.add(driftInput(i));
    await cursors.save('fast', record.seq);
    await observe();
  }
  await journal.close();
  await observe();
  t.ok(journal.sizeBytes <= 6_000 + 2_000, `bounded: ${journal.sizeBytes} bytes`);
  const anchor = readAnchor(journalDir(dir));
  t.ok(anchor, 'an anchor names the last dropped record');
  const allGaps = [...seen.values()].filter((r) => r.event.type === 'delivery.gap').map((r) => r.event.gap);
  const gaps = allGaps.filter((g) => g?.sink === 'slow');
  const fastLost = allGaps.filter((g) => g?.sink === 'fast').reduce((sum, g) => sum + (g?.count ?? 0), 0);
  t.ok(gaps.length > 0, 'gap events were written');
  // "fast" saves its cursor right after each append, so it can only miss a gap event written after its last save.
  t.ok(allGaps.filter((g) => g?.sink === 'fast').every((g) => seen.get(g?.firstSeq ?? 0)?.event.type === 'delivery.gap'), 'the sink that kept up lost no drift event');
  t.ok(fastLost < gaps.length, 'and far less than the one that delivered nothing');
  const lostSeqs = gaps.flatMap((g) => Array.from({ length: g?.count ?? 0 }, (_, k) => (g?.firstSeq ?? 0) + k));
  t.same(lostSeqs, Array.from({ length: anchor?.seq ?? 0 }, (_, k) => k + 1), 'together the gaps name every dropped record, once');
  const first = gaps[0];
  t.equal(first?.firstEventId, seen.get(1)?.event.id);
  t.equal(first?.lastEventId, seen.get(first?.lastSeq ?? 0)?.event.id);
  t.same(first?.countByType, { 'drift.detected': first?.count });
  t.same(verifyJournal(dir).breaks, [], 'a bounded journal still verifies from its anchor');
});

t.test('a reader returns committed records in order and moves past dropped segments', async (t) => {
  const dir = dataDir(t);
  const journal = await Journal.open({ dataDir: dir, segmentBytes: 1_500, maxBytes: 3_000, sinkNames: [] });
  t.teardown(() => journal.close());
  const reader = new JournalReader(journal, 0);
  t.same(await reader.read(10), [], 'nothing yet');
  await journal.add(driftInput(0));
  t.same((await reader.read(10)).map((r) => r.seq), [1]);
  for (let i = 1; i < 40; i++) await journal.add(driftInput(i));
  const firstKept = listSegments(journalDir(dir))[0]?.firstSeq ?? 0;
  t.ok(firstKept > 2, 'old segments were dropped');
  const seqs: number[] = [];
  for (let batch = await reader.read(7); batch.length > 0; batch = await reader.read(7)) seqs.push(...batch.map((r) => r.seq));
  t.same(seqs, Array.from({ length: 40 - firstKept + 1 }, (_, k) => firstKept + k), 'continues at the oldest record kept');
});

t.test('a drop interrupted after its anchor was written is finished on open, and verifies meanwhile', async (t) => {
  const dir = dataDir(t);
  const journal = await Journal.open({ dataDir: dir, segmentBytes: 1_500 });
  for (let i = 0; i < 12; i++) await journal.add(driftInput(i));
  await journal.close();
  const [first, second] = listSegments(journalDir(dir));
  const lastOfFirst = readSegment(first?.path ?? '').records.at(-1);
  writeFileSync(join(journalDir(dir), 'anchor.json'), JSON.stringify({ seq: lastOfFirst?.seq, hash: lastOfFirst?.hash }));
  t.same(verifyJournal(dir).breaks, [], 'the covered segment is not a break');
  const reopened = await Journal.open({ dataDir: dir });
  await reopened.close();
  t.equal(listSegments(journalDir(dir))[0]?.firstSeq, second?.firstSeq, 'the covered segment is gone');
  t.same(verifyJournal(dir).breaks, []);
});

t.test('a checkpoint asked for while appends are queued still signs the record just before it', async (t) => {
  const dir = dataDir(t);
  const { privateKey } = generateKeyPairSync('ed25519');
  const journal = await Journal.open({ dataDir: dir, checkpoint: { every: 1000, privateKey } });
  for (let round = 0; round < 5; round++) {
    const adds = Array.from({ length: 4 }, (_, i) => journal.add(driftInput(i)));
    await Promise.all([journal.checkpoint(), ...adds, journal.add(driftInput(9)), journal.checkpoint()]);
  }
  await journal.close();
  const report = verifyJournal(dir);
  t.ok(report.checkpoints >= 5, `${report.checkpoints} checkpoints`);
  t.same(report.breaks, []);
});
