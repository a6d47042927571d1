import t from 'tap';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { adminPost, startEnvoy } from '../helpers/envoy.js';
import { readSegment } from '../../src/journal/segments.js';
import { journalDir, listSegments } from '../../src/journal/segments.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The data dir on a small tmpfs, filled to the last byte while drift happens:
 * the agent says so (readiness reason, metric), loses nothing, and once space
 * is back journals an event about the outage and then the held-back drift.
 */

/** Fills the file system under `dir` until it refuses another byte. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  for (let size = 2048; size >= 1; size = Math.floor(size / 2)) {
    try {
      for (;;) writeSync(fd, chunk, 0, size);
    } catch {
      // the next smaller piece
    }
  }
  closeSync(fd);
  return path;
}

t.test('a full disk holds transitions back, raises an alarm, and loses nothing', async (t) => {
  const dir = workdir(t, 'envoy-drift-diskfull-');
  const data = join(dir, 'data');
  mkdirSync(data);
  // A root-only fixture: the suite runs as root in CI (see README, Tests).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data]);
  t.teardown(() => execFileSync('umount', ['-l', data]));
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', data, '--interval', '200ms', '--max-backoff', '1s']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  const filler = fill(data);
  const keys = Array.from({ length: 10 }, (_, i) => `trust.disk_full_${i}`);
  await adminPost(envoy.admin, `/runtime_modify?${keys.map((k) => `${k}=1`).join('&')}`);
  const notReady = await eventually(async () => {
    const ready = await getJson<{ reason?: string }>(`${agent.endpoint}/readyz`);
    return ready.status === 503 && /data dir not writable/.test(JSON.stringify(ready.body)) ? ready.body : undefined;
  }, 'a readiness reason for the full disk');
  t.match(JSON.stringify(notReady), /ENOSPC/);
  const metrics = await getJson<string>(`${agent.endpoint}/metrics`);
  t.match(metrics.body, /envoydrift_data_dir_write_failing 1/);
  t.match(metrics.body, /envoydrift_data_dir_write_errors_total\{code="ENOSPC"\} [1-9]/);
  const announced = events.events.filter((e) => e.type === 'drift.detected').length;
  t.ok(announced < keys.length, `${announced} of ${keys.length} detections fit before the disk was full`);

  unlinkSync(filler);
  const alarm = await events.next((e) => e.type === 'journal.write_failed');
  t.match(alarm, { severity: 'high', message: /could not be written (from .* to|since) .* \(ENOSPC/ });
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'ready again');
  t.match((await getJson<string>(`${agent.endpoint}/metrics`)).body, /envoydrift_data_dir_write_failing 0/);
  const status = await eventually(async () => {
    const body = (await getJson<{ findings: Array<{ id: string; resource: string }> }>(`${agent.endpoint}/v1/status`)).body;
    return body.findings.length === keys.length ? body : undefined;
  }, 'every finding');
  const journaled = listSegments(journalDir(data)).flatMap((s) => readSegment(s.path).records.map((r) => r.event));
  const detected = journaled.filter((e) => e.type === 'drift.detected');
  t.same(detected.map((e) => e.resource?.name).sort(), [...keys].sort(), `every detection journaled exactly once: ${journaled.map((e) => e.type).join(' ')}`);
  t.same(detected.map((e) => e.findingId).sort(), status.findings.map((f) => f.id).sort(), 'under the ids the agent holds');
});
