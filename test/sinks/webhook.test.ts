import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, timingSafeEqual } from 'node:crypto';
import t from 'tap';
import { webhookSignature } from '../../src/common/webhook-signature.js';
import { buildWebhookRequest, WebhookSink } from '../../src/sinks/webhook.js';
import { makePki } from '../helpers/certs.js';
import { startPipeline } from '../helpers/pipeline.js';
import { eventually } from '../helpers/eventually.js';
import { driftInput, makeRecords } from '../helpers/records.js';
import { httpServer } from '../helpers/http-server.js';
import { workdir } from '../helpers/workdir.js';

const work = workdir(t, 'envoy-drift-webhook-');
const secretFile = join(work, 'secret');
writeFileSync(secretFile, 's3cret\n');

t.test('the signature is HMAC-SHA256 over timestamp and body', async (t) => {
  const records = makeRecords([driftInput(1)]);
  const request = buildWebhookRequest(records, 'json', 's3cret', 1_700_000_000_000);
  t.equal(request.headers['x-envoy-drift-timestamp'], '1700000000');
  t.equal(request.headers['x-envoy-drift-signature'], `sha256=${createHmac('sha256', 's3cret').update(`1700000000.${request.body}`).digest('hex')}`);
  t.same(JSON.parse(request.body), { events: [JSON.parse(JSON.stringify(records[0]?.event))] });
});

t.test('plain http is refused except to loopback', async (t) => {
  t.throws(() => new WebhookSink({ name: 'w', type: 'webhook', url: 'http://siem.example.com/hook', secretFile }), { code: 'ED_SINK_CONFIG' });
  t.throws(() => new WebhookSink({ name: 'w', type: 'webhook', url: 'http://127.example.com/hook', secretFile }), { code: 'ED_SINK_CONFIG' }, 'a name that only looks like a loopback address');
  t.doesNotThrow(() => new WebhookSink({ name: 'w', type: 'webhook', url: 'http://127.0.0.1:9/hook', secretFile }));
});

t.test('delivers over HTTPS to a receiver that checks the signature, retrying a 503', async (t) => {
  const pki = makePki(mkdtempSync(join(work, 'pki-')));
  const received: string[] = [];
  const answers = [503];
  let badSignatures = 0;
  const server = await httpServer(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const expected = Buffer.from(webhookSignature('s3cret', String(req.headers['x-envoy-drift-timestamp']), body));
      const given = Buffer.from(String(req.headers['x-envoy-drift-signature']));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const status = answers.shift() ?? 204;
      if (status === 204) for (const event of (JSON.parse(body) as { events: Array<{ metadata: { uid: string } }> }).events) received.push(event.metadata.uid);
      res.writeHead(status).end();
    });
  }, { tls: { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) } });
  const url = `https://localhost:${server.port}/hook`;
  const test = await startPipeline(t, [{ name: 'hook', type: 'webhook', url, secretFile, caFile: pki.caCert }]);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await test.pipeline.emit(driftInput(i))).id);
  await eventually(() => received.length >= 12, '12 events at the webhook');
  t.same(received, ids, 'OCSF events with their ids, in order, once');
  t.equal(badSignatures, 0);
  t.equal(await test.metric('envoydrift_sink_retries_total', { sink: 'hook' }), 1);
});
