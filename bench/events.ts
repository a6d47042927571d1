// Events per second through the journal and through each sink to a local
// receiver. Run: node --import tsx bench/events.ts [events] [journal]
// (`journal` stops after the journal rows: no sinks, no rsyslog needed).
// Needs rsyslogd for the syslog row (node scripts/setup.mjs rsyslog).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { EventPipeline } from '../src/pipeline/event-pipeline.js';
import { createEvent } from '../src/events/event.js';
import { Journal } from '../src/journal/journal.js';
import type { SinkConfig } from '../src/sinks/sink-config.js';
import { BulkServer } from '../test/helpers/bulk-server.js';
import { makePki } from '../test/helpers/certs.js';
import { startHttpServer } from '../test/helpers/http-server.js';
import { Rsyslog } from '../test/helpers/rsyslog.js';
import { SplunkHecServer } from '../test/helpers/splunk-hec-server.js';
import { driftInput } from '../test/helpers/records.js';

const N = Number(process.argv[2] ?? 20_000);
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-bench-'));
const rows: Array<[string, number, string]> = [];

function record(name: string, events: number, ms: number, note = ''): void {
  const rate = Math.round((events / ms) * 1000);
  rows.push([name, rate, note]);
  console.log(`${name.padEnd(58)} ${String(rate).padStart(8)} events/s  ${note}`);
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// The floor: what a best-effort shipper does (append, no sync), and the do-it-yourself durable version (append + fdatasync per event).
function diy(sync: boolean, count: number): number {
  const path = join(work, `diy-${sync}.ndjson`);
  const fd = openSync(path, 'a');
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    writeSync(fd, `${JSON.stringify(createEvent(driftInput(i)))}\n`);
    if (sync) fdatasyncSync(fd);
  }
  const ms = performance.now() - start;
  closeSync(fd);
  return ms;
}

async function journalBench(): Promise<void> {
  record('floor: append NDJSON, no sync (best effort)', N, diy(false, N));
  const syncN = Math.min(N, 2_000);
  record('do-it-yourself: append + fdatasync per event', syncN, diy(true, syncN), `(${syncN} events)`);
  {
    const journal = await Journal.open({ dataDir: join(work, 'j-seq') });
    const ms = await timed(async () => {
      for (let i = 0; i < syncN; i++) await journal.add(driftInput(i));
    });
    await journal.close();
    record('journal: one emit at a time (sync each)', syncN, ms, `(${syncN} events)`);
  }
  for (const concurrency of [16, 256]) {
    const journal = await Journal.open({ dataDir: join(work, `j-${concurrency}`) });
    const ms = await timed(async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < N) {
            next++;
            await journal.add(driftInput(next));
          }
        }),
      );
    });
    await journal.close();
    record(`journal: ${concurrency} emitters (group commit)`, N, ms);
  }
  await checkpointBench();
}

/**
 * What checkpoints cost the hot path: 256 emitters with checkpoints off, on
 * (every 1000 records and 30 s, the agent's default) unsigned and signed.
 * Eight rounds interleaved, each starting with another variant, so the disk's drift hits every variant alike; the
 * median of each is printed, and its ratio to "off" from the same run.
 */
async function checkpointBench(): Promise<void> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const variants = [
    { name: 'off', checkpoint: undefined },
    { name: 'every 1000 / 30 s, unsigned', checkpoint: { every: 1000, intervalMs: 30_000 } },
    { name: 'every 1000 / 30 s, Ed25519 signed', checkpoint: { every: 1000, intervalMs: 30_000, privateKey } },
    { name: 'every 100, Ed25519 signed', checkpoint: { every: 100, intervalMs: 30_000, privateKey } },
  ];
  const rates = variants.map(() => [] as number[]);
  // CPU per event too: wall time through fdatasync is the disk's, and this shared disk is noisy.
  const cpu = variants.map(() => [] as number[]);
  for (let round = 0; round < 8; round++) {
    // Each round starts with another variant: the disk's state after the previous run favours no one.
    for (let k = 0; k < variants.length; k++) {
      const index = (round + k) % variants.length;
      const variant = variants[index] as (typeof variants)[number];
      const journal = await Journal.open({ dataDir: mkdtempSync(join(work, 'cp-')), ...(variant.checkpoint ? { checkpoint: variant.checkpoint } : {}) });
      const cpuStart = process.cpuUsage();
      const ms = await timed(() => emitConcurrently(256, (i) => journal.add(driftInput(i))));
      const used = process.cpuUsage(cpuStart);
      await journal.close();
      rates[index]?.push((N / ms) * 1000);
      cpu[index]?.push((used.user + used.system) / N);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const off = median(rates[0] as number[]);
  const offCpu = median(cpu[0] as number[]);
  for (const [index, variant] of variants.entries()) {
    const rate = median(rates[index] as number[]);
    const perEvent = median(cpu[index] as number[]);
    const note = `median of 8: ${(rate / off).toFixed(2)} x off; CPU ${perEvent.toFixed(1)} µs/event, ${(perEvent / offCpu).toFixed(2)} x off`;
    rows.push([`journal, 256 emitters, checkpoints ${variant.name}`, Math.round(rate), note]);
    console.log(`${`journal, 256 emitters, checkpoints ${variant.name}`.padEnd(58)} ${String(Math.round(rate)).padStart(8)} events/s  ${note}`);
  }
}

/** N events from `concurrency` emitters at once: each takes the next number as soon as its last emit is on disk. */
async function emitConcurrently(concurrency: number, emit: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < N) {
        next++;
        await emit(next);
      }
    }),
  );
}

/** Emits N events (256 at a time) and times until the sink's cursor reaches the end. */
async function sinkBench(name: string, sink: SinkConfig, batchSize = 500): Promise<void> {
  const pipeline = new EventPipeline({ dataDir: mkdtempSync(join(work, 'p-')), sinks: [sink], registry: new Registry(), batchSize, backoff: { initialMs: 5, maxMs: 50 } });
  await pipeline.start();
  const ms = await timed(async () => {
    await emitConcurrently(256, (i) => pipeline.emit(driftInput(i)));
    const runner = pipeline.runners[0];
    await runner?.waitFor(pipeline.journal.committedSeq);
  });
  await pipeline.close();
  record(`journal + ${name}`, N, ms, `(batch ${batchSize})`);
}

async function main(): Promise<void> {
  console.log(`envoy-drift events benchmark: ${N} events, node ${process.version}`);
  await journalBench();
  if (process.argv[3] === 'journal') return;
  await sinkBench('file (NDJSON, fdatasync per batch)', { name: 'file', type: 'file', path: join(work, 'sink.ndjson') });

  try {
    const rsyslog = await Rsyslog.start({ dir: mkdtempSync(join(work, 'rsyslog-')) });
    await sinkBench('syslog TCP -> rsyslog (CEF, confirmed per batch)', { name: 'syslog', type: 'syslog', protocol: 'tcp', host: '127.0.0.1', port: rsyslog.port });
    await rsyslog.stop();
    const pki = makePki(mkdtempSync(join(work, 'pki-')));
    const tls = await Rsyslog.start({ dir: mkdtempSync(join(work, 'rsyslog-')), tls: { pki, requireClientCert: true } });
    await sinkBench('syslog TLS + client cert -> rsyslog (CEF, confirmed per batch)', {
      name: 'syslog-tls',
      type: 'syslog',
      protocol: 'tls',
      host: '127.0.0.1',
      port: tls.port,
      caFile: pki.caCert,
      certFile: pki.clientCert,
      keyFile: pki.clientKey,
    });
    await tls.stop();
  } catch (error) {
    console.log(`syslog row skipped: ${(error as Error).message}`);
  }

  const hec = new SplunkHecServer();
  hec.tokens.set('t', { ack: true });
  const hecUrl = await hec.start();
  writeFileSync(join(work, 'token'), 't');
  await sinkBench('Splunk HEC with indexer acks (OCSF)', { name: 'hec', type: 'splunk_hec', url: hecUrl, tokenFile: join(work, 'token'), ackPollIntervalMs: 10 });
  await hec.stop();

  const bulk = new BulkServer();
  const bulkUrl = await bulk.start();
  await sinkBench('Elasticsearch _bulk create (ECS)', { name: 'es', type: 'elasticsearch', url: bulkUrl, index: 'envoy-drift' });
  await bulk.stop();

  const hook = await startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  writeFileSync(join(work, 'secret'), 's');
  await sinkBench('webhook, HMAC-SHA256 signed (OCSF)', { name: 'hook', type: 'webhook', url: `${hook.origin}/`, secretFile: join(work, 'secret') });
  await hook.close();

  console.log('\n| path | events/s | note |\n| --- | ---: | --- |');
  for (const [name, rate, note] of rows) console.log(`| ${name} | ${rate} | ${note} |`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
