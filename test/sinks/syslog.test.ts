import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import t, { type Test } from 'tap';
import { EventPipeline } from '../../src/pipeline/event-pipeline.js';
import { readSegment } from '../../src/journal/segments.js';
import { buildSyslogMessage, frameOctetCounting, SyslogSink } from '../../src/sinks/syslog.js';
import { SYSLOG_FACILITIES, type SyslogSinkConfig } from '../../src/sinks/sink-config.js';
import { makePki, type TestPki } from '../helpers/certs.js';
import { eventually } from '../helpers/eventually.js';
import { driftInput, makeRecords } from '../helpers/records.js';
import { Rsyslog } from '../helpers/rsyslog.js';
import { workdir } from '../helpers/workdir.js';

const work = workdir(t, 'envoy-drift-syslog-');
let pki: TestPki;
t.before(() => {
  pki = makePki(mkdtempSync(join(work, 'pki-')));
});

function eventIds(lines: readonly string[]): string[] {
  return lines.map((line) => /eventId="([^"]+)"/.exec(line)?.[1] ?? '');
}

async function startRsyslog(t: Test, tls?: { requireClientCert: boolean }): Promise<Rsyslog> {
  const server = await Rsyslog.start({ dir: mkdtempSync(join(work, 'rsyslog-')), tls: tls ? { pki, requireClientCert: tls.requireClientCert } : undefined });
  t.teardown(() => server.stop());
  return server;
}

t.test('the message builder writes RFC 5424 with the event id in structured data', async (t) => {
  const [record] = makeRecords([driftInput(1, { message: 'quote " bracket ] backslash \\ and\nnewline' })]);
  if (!record) throw new Error('no record');
  const message = buildSyslogMessage(record, { facility: SYSLOG_FACILITIES.local0, appName: 'envoy-drift', hostname: 'web-0', procId: '42', format: 'json' });
  t.match(message, /^<131>1 \S+Z web-0 envoy-drift 42 drift\.detected \[envoydrift@32473 eventId="[0-9a-f-]{36}" seq="1" type="drift\.detected"\] \{/);
  t.notMatch(message, /\n/, 'one line');
  t.equal(frameOctetCounting('héllo'), '6 héllo', 'octet counting counts bytes, not characters');
});

async function deliverThrough(t: Test, config: Omit<SyslogSinkConfig, 'name' | 'type' | 'host' | 'port'>, server: Rsyslog): Promise<void> {
  const dataDir = mkdtempSync(join(work, 'data-'));
  const pipeline = new EventPipeline({
    dataDir,
    sinks: [{ name: 'siem', type: 'syslog', host: '127.0.0.1', port: server.port, ...config } as SyslogSinkConfig],
    registry: new Registry(),
    proxy: { nodeId: 'node-1', cluster: 'web' },
    batchSize: 7,
    backoff: { initialMs: 10, maxMs: 100 },
  });
  await pipeline.start();
  t.teardown(() => pipeline.close());
  const tricky = ['pipe | in header', 'equals = in extension', 'backslash \\ here', 'new\nline', 'unicode ✓ ünïcode'];
  for (let i = 0; i < 40; i++) await pipeline.emit(driftInput(i, { message: `${tricky[i % tricky.length]} #${i}` }));
  await eventually(() => server.received().length >= 40, '40 messages at rsyslog');
  const records = readSegment(pipeline.journal.segments()[0]?.path ?? '').records;
  const expected = records.map((record) => buildSyslogMessage(record, { facility: SYSLOG_FACILITIES.local0, appName: 'envoy-drift', hostname: undefined, procId: String(process.pid), format: 'cef' }));
  t.same(server.received(), expected, 'rsyslog received exactly the messages built, in order');
}

t.test('delivers to a real rsyslog over TCP with octet counting', async (t) => {
  const server = await startRsyslog(t);
  await deliverThrough(t, { protocol: 'tcp' }, server);
});

t.test('delivers to a real rsyslog over TLS, verifying the server and presenting a client certificate', async (t) => {
  const server = await startRsyslog(t, { requireClientCert: true });
  await deliverThrough(t, { protocol: 'tls', caFile: pki.caCert, certFile: pki.clientCert, keyFile: pki.clientKey }, server);
});

t.test('delivers to a real rsyslog over UDP, one datagram per message', async (t) => {
  const server = await Rsyslog.start({ dir: mkdtempSync(join(work, 'rsyslog-')), udp: true });
  t.teardown(() => server.stop());
  const port = server.udpPort as number;
  const probe = createSocket('udp4');
  t.teardown(() => probe.close());
  // imudp binds alongside imtcp; wait until a datagram actually arrives before measuring.
  await eventually(async () => {
    probe.send('<14>1 - - probe - - - ready', port, '127.0.0.1');
    return server.received().length > 0;
  }, 'rsyslog listening on UDP');
  const before = server.received().length;
  const sink = new SyslogSink({ name: 's', type: 'syslog', protocol: 'udp', host: '127.0.0.1', port, format: 'json' });
  const records = makeRecords(Array.from({ length: 20 }, (_, i) => driftInput(i)));
  await sink.send(records, new AbortController().signal);
  await eventually(() => server.received().length >= before + 20, '20 datagrams');
  const options = { facility: SYSLOG_FACILITIES.local0, appName: 'envoy-drift', hostname: undefined, procId: String(process.pid), format: 'json' as const };
  t.same(server.received().slice(before).filter((l) => !l.includes('probe')).sort(), records.map((r) => buildSyslogMessage(r, options)).sort());
});

t.test('refuses a TLS server its CA does not vouch for', async (t) => {
  const server = await startRsyslog(t, { requireClientCert: false });
  const sink = new SyslogSink({ name: 's', type: 'syslog', protocol: 'tls', host: '127.0.0.1', port: server.port, caFile: pki.otherCaCert });
  await t.rejects(sink.send(makeRecords([driftInput(1)]), new AbortController().signal), { code: 'ED_SINK_UNREACHABLE', message: /certificate/ });
  t.same(server.received(), [], 'nothing was delivered');
});

t.test('a receiver that drops the session for want of a client certificate is a configuration error, not a delivery', async (t) => {
  const server = await startRsyslog(t, { requireClientCert: true });
  const sink = new SyslogSink({ name: 's', type: 'syslog', protocol: 'tls', host: '127.0.0.1', port: server.port, caFile: pki.caCert });
  for (let attempt = 0; attempt < 3; attempt++) {
    await t.rejects(sink.send(makeRecords([driftInput(attempt)]), new AbortController().signal), { code: 'ED_SINK_MISCONFIGURED', retryable: false, message: /client certificate/ });
  }
  t.same(server.received(), [], 'and nothing was counted as delivered');
});

t.test('every event arrives when rsyslog is SIGKILLed and restarted mid-stream', async (t) => {
  const server = await startRsyslog(t);
  const dataDir = mkdtempSync(join(work, 'data-'));
  const pipeline = new EventPipeline({
    dataDir,
    sinks: [{ name: 'siem', type: 'syslog', protocol: 'tcp', host: '127.0.0.1', port: server.port }],
    registry: new Registry(),
    batchSize: 5,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  await pipeline.start();
  t.teardown(() => pipeline.close());
  const emitted: string[] = [];
  const emitting = (async () => {
    for (let i = 0; i < 400; i++) {
      emitted.push((await pipeline.emit(driftInput(i))).id);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  for (const threshold of [60, 180]) {
    await eventually(() => server.received().length >= threshold, `${threshold} messages before the kill`);
    await server.kill();
    await server.restart();
  }
  await emitting;
  await eventually(() => new Set(eventIds(server.received())).size >= emitted.length, 'every event after the restarts');
  const received = new Set(eventIds(server.received()));
  t.equal(emitted.filter((id) => !received.has(id)).length, 0, 'no event lost');
  t.ok(server.received().length >= emitted.length, `duplicates allowed (${server.received().length - emitted.length} here)`);
});
