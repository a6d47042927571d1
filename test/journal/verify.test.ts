import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { CursorStore } from '../../src/journal/cursor-store.js';
import { Journal } from '../../src/journal/journal.js';
import { encodeRecord, parseRecordLine } from '../../src/journal/record.js';
import { journalDir, listSegments } from '../../src/journal/segments.js';
import { verifyJournal, type BreakKind } from '../../src/journal/verify.js';
import { driftInput } from '../helpers/records.js';
import { workdir } from '../helpers/workdir.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** 20 events with a signed checkpoint every 5 records, in one segment unless `segmentBytes` says otherwise. */
async function journal(t: Test, segmentBytes = 10_000_000): Promise<{ dir: string; segment: string }> {
  const dir = workdir(t, 'envoy-drift-verify-');
  const j = await Journal.open({ dataDir: dir, segmentBytes, checkpoint: { every: 5, privateKey } });
  for (let i = 0; i < 20; i++) await j.add(driftInput(i));
  await j.close();
  return { dir, segment: listSegments(journalDir(dir))[0]?.path ?? '' };
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

function writeLines(path: string, content: string[]): void {
  writeFileSync(path, content.map((l) => `${l}\n`).join(''));
}

function kinds(dir: string, key?: KeyObject): BreakKind[] {
  return verifyJournal(dir, { publicKey: key }).breaks.map((b) => b.kind);
}

t.test('an untouched journal verifies, signatures included', async (t) => {
  const { dir } = await journal(t);
  const report = verifyJournal(dir, { publicKey });
  t.same(report.breaks, []);
  t.equal(report.total, 24, '20 events and 4 checkpoints');
  t.equal(report.valid, 24);
  t.equal(report.checkpoints, 4);
});

t.test('a changed byte is a hash mismatch at that record', async (t) => {
  const { dir, segment } = await journal(t);
  const content = lines(segment);
  content[6] = (content[6] as string).replace('drifted', 'drifteD');
  writeLines(segment, content);
  const report = verifyJournal(dir);
  t.same(report.breaks.map((b) => [b.kind, b.seq, b.line]), [['hash-mismatch', 7, 7]]);
  t.equal(report.valid, report.total - 1);
});

t.test('a deleted record is a sequence gap', async (t) => {
  const { dir, segment } = await journal(t);
  const content = lines(segment);
  content.splice(6, 1);
  writeLines(segment, content);
  t.match(verifyJournal(dir).breaks, [{ kind: 'sequence-gap', seq: 8, message: /records 7-7 are missing/ }]);
});

t.test('reordered records are reported', async (t) => {
  const { dir, segment } = await journal(t);
  const content = lines(segment);
  [content[6], content[7]] = [content[7] as string, content[6] as string];
  writeLines(segment, content);
  t.same(kinds(dir), ['sequence-gap', 'out-of-order', 'sequence-gap']);
});

t.test('a truncated file is reported', async (t) => {
  const { dir, segment } = await journal(t);
  const bytes = readFileSync(segment);
  writeFileSync(segment, bytes.subarray(0, bytes.length - 40));
  t.match(verifyJournal(dir).breaks, [{ kind: 'truncated', line: 24 }]);
});

t.test('a rewritten journal with recomputed hashes fails at the next signed checkpoint', async (t) => {
  const { dir, segment } = await journal(t);
  const records = lines(segment).map((line) => {
    const parsed = parseRecordLine(line);
    if (!parsed.ok) throw new Error('bad fixture');
    return parsed.record;
  });
  let prev = records[5]?.hash as string;
  const forged = lines(segment).slice(0, 6);
  for (const record of records.slice(6)) {
    const event = record.seq === 7 ? { ...record.event, message: 'nothing to see here' } : record.event;
    const encoded = encodeRecord(record.seq, prev, event);
    forged.push(encoded.line.slice(0, -1));
    prev = encoded.record.hash;
  }
  writeLines(segment, forged);
  const report = verifyJournal(dir, { publicKey });
  t.same(report.breaks.map((b) => [b.kind, b.seq]), [['bad-signature', 12], ['bad-signature', 18], ['bad-signature', 24]], 'every later checkpoint');
});

t.test('checkpoints by another key fail against the pinned key', async (t) => {
  const { dir } = await journal(t);
  const other = generateKeyPairSync('ed25519').publicKey;
  t.same(kinds(dir, other), ['bad-signature', 'bad-signature', 'bad-signature', 'bad-signature']);
  t.same(kinds(dir), [], 'each verifies against the key it carries');
});

t.test('a deleted segment is a sequence gap', async (t) => {
  const { dir } = await journal(t, 2_000);
  const segments = listSegments(journalDir(dir));
  t.ok(segments.length >= 3);
  unlinkSync(segments[1]?.path ?? '');
  t.match(verifyJournal(dir).breaks, [{ kind: 'sequence-gap', seq: segments[2]?.firstSeq }]);
});

t.test('a tail cut at a record boundary shows against the sinks\' cursors', async (t) => {
  const { dir, segment } = await journal(t);
  await new CursorStore(dir).save('splunk', 24);
  writeLines(segment, lines(segment).slice(0, 20));
  t.match(verifyJournal(dir).breaks, [{ kind: 'missing-tail', message: /records 21-24 are missing/ }]);
});
