import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t from 'tap';
import { CursorStore } from '../../src/journal/cursor-store.js';
import { Journal } from '../../src/journal/journal.js';
import type { JournalRecord } from '../../src/journal/record.js';
import { SinkError } from '../../src/sinks/sink-error.js';
import { SinkRunner } from '../../src/sinks/sink-runner.js';
import { SinkTelemetry } from '../../src/sinks/sink-telemetry.js';
import { DELIVERED, type SendOutcome, type Sink } from '../../src/sinks/sink.js';
import { startPipeline } from '../helpers/pipeline.js';
import { eventually } from '../helpers/eventually.js';
import { driftInput } from '../helpers/records.js';
import { workdir } from '../helpers/workdir.js';

/** A sink under the test's control: it delivers, or fails, as told. */
class ScriptedSink implements Sink {
  readonly type = 'scripted';
  readonly received: JournalRecord[] = [];
  attempts = 0;
  failing: SinkError | undefined;
  closed = 0;
  constructor(readonly name: string) {}
  async send(records: readonly JournalRecord[]): Promise<SendOutcome> {
    this.attempts++;
    if (this.failing) throw this.failing;
    this.received.push(...records);
    return DELIVERED;
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

t.test('a dead sink never holds back the others, and catches up from its cursor once it is back', async (t) => {
  const dir = workdir(t, 'envoy-drift-runner-');
  const journal = await Journal.open({ dataDir: dir });
  const cursors = new CursorStore(dir);
  const registry = new Registry();
  const telemetry = new SinkTelemetry(registry);
  const healthy = new ScriptedSink('healthy');
  const dead = new ScriptedSink('dead');
  dead.failing = new SinkError('ED_SINK_UNREACHABLE', 'down', { retryable: true });
  const runners = [healthy, dead].map((sink) => new SinkRunner({ sink, journal, cursors, telemetry, batchSize: 3, backoff: { initialMs: 1, maxMs: 5 } }));
  runners.forEach((r) => r.start());
  t.teardown(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await journal.close();
  });
  for (let i = 0; i < 10; i++) await journal.add(driftInput(i));
  // The cursor moves once the sink's send has returned and the cursor is saved: the lag is read after both.
  await eventually(() => healthy.received.length === 10 && runners[0]?.cursor === 10, 'the healthy sink to deliver all and move its cursor');
  await eventually(() => dead.attempts >= 3, 'the dead sink retrying');
  t.equal(runners[1]?.cursor, 0);
  let metrics = await registry.getMetricsAsJSON();
  const value = (name: string, sink: string): number | undefined =>
    (metrics.find((m) => m.name === name)?.values as Array<{ value: number; labels: Record<string, string> }>).find((v) => v.labels.sink === sink)?.value;
  // The lag gauges move once the cursor is saved (fsynced), a moment after the delivery.
  await eventually(async () => {
    metrics = await registry.getMetricsAsJSON();
    return value('envoydrift_sink_lag_records', 'healthy') === 0;
  }, "the healthy sink's saved cursor");
  t.equal(value('envoydrift_sink_lag_records', 'dead'), 10);
  t.equal(value('envoydrift_sink_lag_records', 'healthy'), 0);
  t.ok((value('envoydrift_sink_oldest_undelivered_age_seconds', 'dead') ?? -1) >= 0);
  t.equal(value('envoydrift_sink_oldest_undelivered_age_seconds', 'healthy'), 0);
  t.ok((value('envoydrift_sink_retries_total', 'dead') ?? 0) >= 3);
  dead.failing = undefined;
  await eventually(() => dead.received.length === 10, 'the dead sink back');
  t.same(dead.received.map((r) => r.seq), Array.from({ length: 10 }, (_, k) => k + 1), 'in order, from its cursor');
  // The cursor is written after the delivery is acknowledged, not with it: wait for the write, then read it.
  const persisted = () => JSON.parse(readFileSync(join(dir, 'cursors', 'dead.json'), 'utf8')) as { seq: number };
  await eventually(() => {
    try {
      return persisted().seq === 10;
    } catch {
      return false; // not written yet, or being replaced
    }
  }, 'the cursor written at the last delivered record');
  t.same(persisted(), { seq: 10 }, 'the cursor is persisted');
});

t.test('drain delivers what the journal holds, then stops; close is idempotent', async (t) => {
  const out = join(workdir(t, 'envoy-drift-drain-'), 'out.ndjson');
  const test = await startPipeline(t, [{ name: 'out', type: 'file', path: out }]);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await test.pipeline.emit(driftInput(i))).id);
  t.equal(await test.pipeline.drain(5_000), true);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const delivered = lines.map((l) => JSON.parse(l) as { id: string; type: string; checkpoint?: { seq: number } });
  // Drain writes the head first: the checkpoint over the 20 events is the last one delivered.
  t.same(delivered.slice(0, -1).map((e) => e.id), ids);
  t.match(delivered.at(-1), { type: 'audit.checkpoint', checkpoint: { seq: 20 } });
  await test.pipeline.close();
  await test.pipeline.close();
  await t.rejects(test.pipeline.emit(driftInput(1)), { code: 'ED_JOURNAL_CLOSED' });
});

t.test('drain gives up after its timeout when a sink stays down; nothing is lost', async (t) => {
  const test = await startPipeline(t, [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/never', secretFile: '/nonexistent' }], { alarmDelayMs: 60_000 });
  await test.pipeline.emit(driftInput(1));
  t.equal(await test.pipeline.drain(200), false);
  t.equal(test.pipeline.runners[0]?.cursor, 0);
});

t.test('the stdout sink writes one line per event', async (t) => {
  const chunks: string[] = [];
  const stdout = { write: (chunk: string, callback: (error?: Error) => void) => (chunks.push(chunk), callback(), true) } as unknown as NodeJS.WritableStream;
  const test = await startPipeline(t, [{ name: 'out', type: 'stdout', format: 'cef' }], { stdout });
  await test.pipeline.emit(driftInput(1));
  await eventually(() => chunks.length === 1, 'a line on stdout');
  t.match(chunks[0], /^CEF:0\|envoy-drift\|.*\n$/);
});

t.test('a pipeline started again in the same process reuses the registry\'s metrics', async (t) => {
  const registry = new Registry();
  const dir = workdir(t, 'envoy-drift-restart-');
  for (let round = 0; round < 2; round++) {
    const test = await startPipeline(t, [{ name: 'out', type: 'file', path: join(dir, 'out.ndjson') }], { registry, dataDir: join(dir, 'data') });
    await test.pipeline.emit(driftInput(round));
    t.equal(await test.pipeline.drain(5_000), true);
    await test.pipeline.close();
  }
  const delivered = (await registry.getMetricsAsJSON()).find((m) => m.name === 'envoydrift_sink_delivered_total');
  // Each round: its event and the checkpoint drain writes over it.
  t.equal((delivered?.values[0] as { value: number } | undefined)?.value, 4, 'one counter across both runs');
});
