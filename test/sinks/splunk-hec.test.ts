import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { v7 as uuidv7 } from 'uuid';
import { toOcsf } from '../../src/formats/ocsf.js';
import { buildHecPayload, classifyHecAnswer } from '../../src/sinks/splunk-hec.js';
import { startPipeline } from '../helpers/pipeline.js';
import { eventually } from '../helpers/eventually.js';
import { driftInput, makeRecords } from '../helpers/records.js';
import { SplunkHecServer } from '../helpers/splunk-hec-server.js';
import { workdir } from '../helpers/workdir.js';

const work = workdir(t, 'envoy-drift-hec-');

function tokenFile(token: string): string {
  const path = join(work, `token-${token}`);
  writeFileSync(path, `${token}\n`);
  return path;
}

async function hec(t: Test): Promise<{ server: SplunkHecServer; url: string }> {
  const server = new SplunkHecServer();
  server.tokens.set('plain-token', { ack: false });
  server.tokens.set('ack-token', { ack: true });
  const url = await server.start();
  t.teardown(() => server.stop());
  return { server, url };
}

const eventIds = (server: SplunkHecServer): string[] => server.indexed.map((e) => (e.fields as { event_id: string }).event_id);

t.test('the payload builder writes one HEC envelope per record, with the OCSF event inside', async (t) => {
  const records = makeRecords([driftInput(1), driftInput(2)]);
  const lines = buildHecPayload(records, { format: 'ocsf', source: 'envoy-drift', sourcetype: 'envoy-drift:ocsf', index: 'security' }).split('\n');
  t.equal(lines.length, 2);
  const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
  t.same(first.event, JSON.parse(JSON.stringify(toOcsf(records[0] as never))));
  t.match(first, { index: 'security', source: 'envoy-drift', sourcetype: 'envoy-drift:ocsf', host: 'web-0', fields: { event_id: records[0]?.event.id, journal_seq: '1' } });
  t.equal(first.time, Date.parse(records[0]?.event.time ?? '') / 1000);
});

t.test('without acknowledgement, a 200 delivers the batch', async (t) => {
  const { server, url } = await hec(t);
  const { pipeline } = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: tokenFile('plain-token'), index: 'security' }]);
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) ids.push((await pipeline.emit(driftInput(i))).id);
  await eventually(() => server.indexed.length >= 25, '25 indexed events');
  t.same(eventIds(server), ids, 'every event, in order, once');
  t.ok(server.channels.every((c) => c === server.channels[0] && c !== undefined), 'every request carries the one channel');
});

t.test('with acknowledgement, the cursor moves only once the ack is true; lost acks are re-sent', async (t) => {
  const { server, url } = await hec(t);
  server.ackFates.push({ kind: 'held' });
  const { pipeline } = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: tokenFile('ack-token'), ackPollIntervalMs: 10, ackTimeoutMs: 300 }], { batchSize: 5 });
  const runner = pipeline.runners[0];
  if (!runner) throw new Error('no runner');
  const first = await pipeline.emit(driftInput(0));
  await eventually(() => server.ackPolls >= 3, 'the sink polling a held ack');
  t.equal(runner.cursor, 0, 'the cursor has not moved while the ack is pending');
  t.same(server.indexed, [], 'nothing indexed yet');
  server.releaseHeld();
  await eventually(() => runner.cursor >= 1, 'the cursor after the ack');
  t.same(eventIds(server), [first.id]);

  server.ackFates.push({ kind: 'lost' }, { kind: 'after-polls', polls: 3 });
  const ids: string[] = [];
  for (let i = 1; i <= 5; i++) ids.push((await pipeline.emit(driftInput(i))).id);
  await eventually(() => runner.cursor >= 6, 'the batch with the lost ack delivered again');
  t.same(eventIds(server).slice(1), ids, 'the lost batch was sent again and indexed once');
  t.ok(server.eventRequests >= 3, 'the lost batch went out twice');
});

t.test('busy and internal errors are retried; the cursor only moves on success', async (t) => {
  const { server, url } = await hec(t);
  server.scripted.push({ status: 503, code: 9, text: 'Server is busy' }, { status: 500, code: 8, text: 'Internal server error' }, { status: 503, code: 18, text: 'HEC is unhealthy, queues are full' });
  const test = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: tokenFile('ack-token'), ackPollIntervalMs: 10 }]);
  const event = await test.pipeline.emit(driftInput(1));
  await eventually(() => server.indexed.length === 1, 'the event after three failures');
  t.same(eventIds(server), [event.id]);
  t.equal(await test.metric('envoydrift_sink_retries_total', { sink: 'splunk', error_code: 'ED_SINK_RETRYABLE_STATUS' }), 3);
  t.equal(await test.metric('envoydrift_sink_delivered_total', { sink: 'splunk' }), 1);
});

t.test('a bad token raises the alarm and waits the alarm delay instead of looping; a fixed token file recovers', async (t) => {
  const { server, url } = await hec(t);
  const file = tokenFile('wrong-token');
  const test = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: file }], { alarmDelayMs: 200 });
  await test.pipeline.emit(driftInput(1));
  await eventually(async () => (await test.metric('envoydrift_sink_alarm', { sink: 'splunk' })) === 1, 'the alarm');
  const failure = test.logs.find((l) => l.error_code === 'ED_SINK_MISCONFIGURED');
  t.match(failure, { error_type: 'configuration', delay_ms: 200, msg: /HTTP 403 code 4: Invalid token/ }, 'logged as a configuration error with the alarm delay');
  writeFileSync(file, 'plain-token\n');
  await eventually(() => server.indexed.length === 1, 'delivery with the fixed token');
  await eventually(async () => (await test.metric('envoydrift_sink_alarm', { sink: 'splunk' })) === 0, 'the alarm cleared');
  t.equal(server.eventRequests, 2, 'one refused request, one accepted: no tight loop');
});

t.test('an event HEC cannot take goes to the dead-letter file; the rest of its batch is delivered', async (t) => {
  const { server, url } = await hec(t);
  const ids = Array.from({ length: 6 }, () => uuidv7());
  server.malformedEventIds.add(ids[2] as string);
  const test = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: tokenFile('ack-token'), ackPollIntervalMs: 10 }], { batchSize: 6 });
  for (const [i, id] of ids.entries()) await test.pipeline.emit({ ...driftInput(i), id });
  await eventually(() => (test.pipeline.runners[0]?.cursor ?? 0) >= 6, 'the batch handled');
  t.same(eventIds(server).sort(), ids.filter((_, i) => i !== 2).sort(), 'the others are indexed');
  const deadLetters = readFileSync(join(test.dataDir, 'dead-letter', 'splunk.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  t.match(deadLetters, [{ sink: 'splunk', eventId: ids[2], status: 400, code: 6, error: 'Invalid data format' }]);
  t.equal(await test.metric('envoydrift_sink_failed_total', { sink: 'splunk' }), 1);
});

t.test('an index the token may not write to is a configuration error, not a retry storm', async (t) => {
  const { server, url } = await hec(t);
  const test = await startPipeline(t, [{ name: 'splunk', type: 'splunk_hec', url, tokenFile: tokenFile('plain-token'), index: 'nope' }], { alarmDelayMs: 60_000 });
  await test.pipeline.emit(driftInput(1));
  await eventually(async () => (await test.metric('envoydrift_sink_alarm', { sink: 'splunk' })) === 1, 'the alarm');
  t.match(test.logs.find((l) => l.error_code === 'ED_SINK_MISCONFIGURED'), { msg: /code 7: Incorrect index/ });
  t.equal(server.eventRequests, 1);
  t.equal(test.pipeline.runners[0]?.cursor, 0, 'the event stays undelivered, not dropped');
});

t.test('HEC answers are told apart by their code, never by the words in the body', async (t) => {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => classifyHecAnswer({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, 'https://hec.example/services/collector/ack');
  t.match(answer(400, { text: 'ACK is disabled', code: 14 }), { code: 'ED_SINK_ACK_DISABLED', retryable: false });
  // A proxy in front whose page happens to say "code 14" is a bad gateway, retried: not "acknowledgement is off".
  t.match(answer(502, '<html>upstream error code 14</html>'), { code: 'ED_SINK_RETRYABLE_STATUS', retryable: true });
  t.match(answer(503, { text: 'Server is busy', code: 9 }, { 'retry-after': '3' }), { code: 'ED_SINK_RETRYABLE_STATUS', retryable: true, retryAfterMs: 3000 });
  t.match(answer(403, { text: 'Invalid token', code: 4 }), { code: 'ED_SINK_MISCONFIGURED', retryable: false });
  t.match(answer(400, { text: 'Invalid data format', code: 6 }), { code: 'ED_SINK_BAD_RESPONSE', retryable: false });
});
