import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { v7 as uuidv7 } from 'uuid';
import { toEcs } from '../../src/formats/ecs.js';
import { buildBulkPayload, ElasticsearchSink } from '../../src/sinks/elasticsearch.js';
import { BulkServer } from '../helpers/bulk-server.js';
import { startPipeline } from '../helpers/pipeline.js';
import { eventually } from '../helpers/eventually.js';
import { httpServer } from '../helpers/http-server.js';
import { driftInput, makeRecords } from '../helpers/records.js';
import { workdir } from '../helpers/workdir.js';

const work = workdir(t, 'envoy-drift-es-');

t.test('the payload builder writes create actions with the event id as _id, newline-terminated', async (t) => {
  const records = makeRecords([driftInput(1), driftInput(2)]);
  const body = buildBulkPayload(records, 'envoy-drift', 'ecs');
  t.ok(body.endsWith('\n'));
  const lines = body.slice(0, -1).split('\n').map((l) => JSON.parse(l) as unknown);
  t.same(lines[0], { create: { _index: 'envoy-drift', _id: records[0]?.event.id } });
  t.same(lines[1], JSON.parse(JSON.stringify(toEcs(records[0] as never))));
  t.equal(lines.length, 4);
});

t.test('per-item statuses: 201 and 409 delivered, 429 and 5xx retried, other 4xx dead-lettered', async (t) => {
  const server = new BulkServer();
  server.apiKey = 'c2VjcmV0';
  const url = await server.start();
  t.teardown(() => server.stop());
  const keyFile = join(work, 'es-api-key');
  writeFileSync(keyFile, 'c2VjcmV0\n');
  const run = await startPipeline(t, [{ name: 'es', type: 'elasticsearch', url, index: 'envoy-drift', apiKeyFile: keyFile }], { batchSize: 10 });
  const ids = Array.from({ length: 30 }, () => uuidv7());
  server.scriptedRequests.push(429);
  server.scriptedItems.set(ids[3] as string, [429]);
  server.scriptedItems.set(ids[15] as string, [503, 502]);
  server.refused.add(ids[7] as string);
  for (const [i, id] of ids.entries()) await run.pipeline.emit({ ...driftInput(i), id });
  await eventually(() => (run.pipeline.runners[0]?.cursor ?? 0) >= 30, 'all 30 records handled');
  const docs = server.documents('envoy-drift');
  t.equal(docs.size, 29, 'every document but the refused one is there, once');
  t.notOk(docs.has(ids[7] as string));
  t.match(docs.get(ids[0] as string), { event: { id: ids[0], action: 'drift.detected' } });
  const deadLetters = readFileSync(join(run.dataDir, 'dead-letter', 'es.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(deadLetters.length, 1);
  t.match(deadLetters[0], { sink: 'es', eventId: ids[7], status: 400, error: { type: 'mapper_parsing_exception' }, document: { event: { id: ids[7] } } });
  t.equal(await run.metric('envoydrift_sink_failed_total', { sink: 'es' }), 1);
  t.equal(await run.metric('envoydrift_sink_delivered_total', { sink: 'es' }), 29);
  t.equal(await run.metric('envoydrift_sink_retries_total', { sink: 'es' }), 4, 'one whole-request 429, one item 429, two item 5xx');
  t.equal(await run.metric('envoydrift_sink_lag_records', { sink: 'es' }), 0);
});

t.test('a wrong API key raises the alarm and keeps the records', async (t) => {
  const server = new BulkServer();
  server.apiKey = 'right';
  const url = await server.start();
  t.teardown(() => server.stop());
  const keyFile = join(work, 'wrong-key');
  writeFileSync(keyFile, 'wrong');
  const run = await startPipeline(t, [{ name: 'es', type: 'elasticsearch', url, index: 'envoy-drift', apiKeyFile: keyFile }], { alarmDelayMs: 60_000 });
  await run.pipeline.emit(driftInput(1));
  await eventually(async () => (await run.metric('envoydrift_sink_alarm', { sink: 'es' })) === 1, 'the alarm');
  t.equal(server.requests, 1);
  t.equal(await run.metric('envoydrift_sink_lag_records', { sink: 'es' }), 1, 'the record waits');
});

t.test('a 408 from a proxy in front is retried like a 503, not taken for a configuration error', async (t) => {
  const statuses = [408, 503];
  const { origin } = await httpServer(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(statuses.shift() ?? 500, { 'retry-after': '2' }).end('busy'));
  });
  const sink = new ElasticsearchSink({ name: 'es', type: 'elasticsearch', url: origin, index: 'envoy-drift' }, work);
  t.teardown(() => sink.close());
  for (const status of [408, 503]) {
    await t.rejects(sink.send(makeRecords([driftInput(1)]), new AbortController().signal), { code: 'ED_SINK_RETRYABLE_STATUS', retryable: true, retryAfterMs: 2000, message: new RegExp(`HTTP ${status}`) });
  }
});
