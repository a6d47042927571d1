import t from 'tap';
import { cpSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { encodeRecord, parseRecordLine, type JournalRecord } from '../../src/journal/record.js';
import { journalDir, listSegments } from '../../src/journal/segments.js';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { adminPost, startEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The anchor off the node, on a real agent's journal beside a real Envoy: the
 * three things an intruder with the data dir would do (drop the newest
 * records, delete the segments, rewrite the head with recomputed hashes)
 * verify as intact without an anchor and are each found with one, from the
 * file sink's json and ocsf output alike.
 */

async function verify(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['audit', 'verify', ...argv], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} });
  return { code, stdout, stderr };
}

function lastSegment(dataDir: string): string {
  const segment = listSegments(journalDir(dataDir)).at(-1);
  if (!segment) throw new Error('no segment');
  return segment.path;
}

function records(path: string): JournalRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const parsed = parseRecordLine(l);
      if (!parsed.ok) throw new Error('damaged journal');
      return parsed.record;
    });
}

const dir = workdir(t, 'envoy-drift-anchor-');
const data = join(dir, 'data');
const jsonAnchor = join(dir, 'events.ndjson');
const ocsfAnchor = join(dir, 'events.ocsf.ndjson');

t.before(async () => {
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  try {
    const declared = join(dir, 'declared.yaml');
    writeFileSync(declared, stringify(gatewayBootstrap()));
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      stringify({
        journal: { checkpoint: { every: 5, intervalSeconds: 1 } },
        sinks: [
          { name: 'local', type: 'file', path: jsonAnchor, format: 'json' },
          { name: 'siem', type: 'file', path: ocsfAnchor, format: 'ocsf' },
        ],
      }),
    );
    const agent = await startAgent(['--config', config, '--admin', envoy.admin, '--declared', declared, '--data-dir', data, '--interval', '200ms']);
    try {
      for (const value of ['false', 'true', 'false']) {
        await adminPost(envoy.admin, `/runtime_modify?payments.feature_x.enabled=${value}`);
        await eventually(async () => ((await getJson<{ findings: unknown[] }>(`${agent.endpoint}/v1/status`)).body.findings.length > 0 ? true : undefined), 'a finding');
      }
      // The head leaves the node on its own within the interval, and is shown on the status and as a metric.
      const head = await eventually(async () => {
        const status = await getJson<{ journal: { committedSeq: number; checkpoint: { seq: number; hash: string; signed: boolean } | null } }>(`${agent.endpoint}/v1/status`);
        const { checkpoint, committedSeq } = status.body.journal;
        return checkpoint && checkpoint.seq === committedSeq - 1 ? checkpoint : undefined;
      }, 'a checkpoint of the head');
      t.equal(head.signed, false, 'unsigned without a key');
      const metrics = await getJson<string>(`${agent.endpoint}/metrics`);
      t.match(metrics.body, new RegExp(`envoydrift_journal_checkpoint_seq ${head.seq}\\b`));
    } finally {
      t.equal(await agent.stop(), 0);
    }
  } finally {
    await envoy.stop();
  }
});

t.test('the untouched journal verifies with both anchors', async (t) => {
  for (const anchor of [jsonAnchor, ocsfAnchor]) {
    const result = await verify(data, '--anchor', anchor);
    t.equal(result.code, 0, result.stdout + result.stderr);
    t.match(result.stdout, /; intact\nanchor .*: \d+ heads, the newest proves seq \d+; [1-9]\d* matched against local records\n$/);
  }
  const last = records(lastSegment(data)).at(-1);
  t.equal(last?.event.type, 'audit.checkpoint', 'the last record is the shutdown checkpoint');
});

t.test('dropping the newest records: intact without an anchor, a missing tail with one', async (t) => {
  for (const drop of [1, 2]) {
    const copy = join(dir, `drop-${drop}`);
    cpSync(data, copy, { recursive: true });
    const segment = lastSegment(copy);
    const lines = readFileSync(segment, 'utf8').split('\n').slice(0, -1);
    const kept = lines.slice(0, -drop);
    writeFileSync(segment, kept.map((l) => `${l}\n`).join(''));
    // Cursors would give it away too; an intruder deletes them.
    rmSync(join(copy, 'cursors'), { recursive: true, force: true });
    const blind = await verify(copy);
    t.equal(blind.code, 0, 'the chain alone cannot tell');
    t.match(blind.stdout, /tail deletion cannot be ruled out/);
    const total = lines.length;
    for (const anchor of [jsonAnchor, ocsfAnchor]) {
      const result = await verify(copy, '--anchor', anchor);
      t.equal(result.code, 1, `dropping ${drop} found with ${anchor}`);
      t.match(result.stdout, new RegExp(`missing-tail: the journal reached seq \\d+ .*the local head is seq ${total - drop} .*: records ${total - drop + 1}-`));
    }
  }
});

t.test('deleting the segments: a missing journal, and records missing after the anchor', async (t) => {
  const copy = join(dir, 'deleted');
  cpSync(data, copy, { recursive: true });
  for (const segment of listSegments(journalDir(copy))) unlinkSync(segment.path);
  const blind = await verify(copy);
  t.equal(blind.code, 1, 'an emptied journal where the agent ran is a break even without an anchor');
  t.match(blind.stdout, /missing-journal: the journal has no records, but findings.json.* show the agent ran here/);
  rmSync(join(copy, 'journal'), { recursive: true });
  const result = await verify(copy, '--anchor', ocsfAnchor);
  t.equal(result.code, 1);
  t.match(result.stdout, /missing-tail: .*the local journal has no records: records 1-\d+ are missing/);
});

t.test('rewriting the head with recomputed hashes: intact alone, a rewritten head against the anchor', async (t) => {
  const copy = join(dir, 'rewritten');
  cpSync(data, copy, { recursive: true });
  const segment = lastSegment(copy);
  const all = records(segment);
  // Change every record from the agent.stopped one on, and recompute the chain as a key-less intruder can.
  const from = all.findLastIndex((r) => r.event.type === 'agent.stopped');
  let prev = all[from - 1]?.hash ?? '';
  const rewritten = all.slice(0, from).map((r) => encodeRecord(r.seq, r.prev, r.event).line);
  for (const r of all.slice(from)) {
    const event =
      r.event.type === 'audit.checkpoint'
        ? { ...r.event, checkpoint: { seq: r.seq - 1, hash: prev } }
        : { ...r.event, message: 'nothing to see here' };
    const encoded = encodeRecord(r.seq, prev, event);
    prev = encoded.record.hash;
    rewritten.push(encoded.line);
  }
  writeFileSync(segment, rewritten.join(''));
  t.equal((await verify(copy)).code, 0, 'the chain alone cannot tell');
  for (const anchor of [jsonAnchor, ocsfAnchor]) {
    const result = await verify(copy, '--anchor', anchor);
    t.equal(result.code, 1, `found with ${anchor}`);
    t.match(result.stdout, /rewritten-head at seq \d+: record \d+ has hash [0-9a-f]{16}… here, but [0-9a-f]{16}… left the node/);
  }
});
