import t from 'tap';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminRequest, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { pipeAdmin, ready } from '../helpers/agent-beside-envoy.js';
import { workdir } from '../helpers/workdir.js';
import type { DriftReport } from '../../src/compare/drift.js';

/*
 * The agent beside a real Envoy: an unreachable or restarted proxy is
 * reported and recovered from; a broken snapshot leaves the last good one in
 * force. (Kept apart from agent-lifecycle.test.ts so that each file stays
 * well inside tap's per-file timeout on a loaded machine.)
 */

t.test('proxy restarts, goes away and comes back', async (t) => {
  const dir = workdir(t);
  let envoy: RunningEnvoy = await startEnvoy({ config: pipeAdmin(dir) });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(pipeAdmin(dir)));
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '100ms', '--max-backoff', '1s']);
  t.teardown(() => agent.stop());
  await ready(agent);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  // A proxy that has served its admin for a while, as in life: a new process starts its admin counter again.
  for (let i = 0; i < 50; i++) await (await adminRequest(envoy.admin, '/ready', 'GET')).body.text();
  const polls = async () => Number(/envoydrift_admin_requests_total\{kind="stats"\} (\d+)/.exec((await getJson<string>(`${agent.endpoint}/metrics`)).body)?.[1] ?? 0);
  const seen = await polls();
  await eventually(async () => ((await polls()) >= seen + 2 ? true : undefined), 'the agent to poll the proxy again');
  envoy = await envoy.restart(pipeAdmin(dir, (b) => (b['static_resources'].clusters[0].connect_timeout = '7s')));
  const detected = await events.next((e) => e.type === 'drift.detected');
  t.match(detected, { service: 'payments', resource: { type: 'cluster', name: 'payments' }, attribution: { source: 'proxy restart' } });

  // Cleared before the stop: the agent may see the proxy gone before the stop resolves.
  events.events.length = 0;
  await envoy.stop();
  await events.next((e) => e.type === 'proxy.unreachable');
  const unready = await getJson(`${agent.endpoint}/readyz`);
  t.equal(unready.status, 503);
  t.match(unready.body, /proxy unreachable/);
  const count = async () => {
    const metrics = (await getJson<string>(`${agent.endpoint}/metrics`)).body;
    return Number(/envoydrift_admin_requests_total\{kind="stats"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };
  const before = await count();
  const failuresOf = async () => (await getJson<{ agent: { consecutiveFailures: number; nextDelayMs: number } }>(`${agent.endpoint}/v1/status`)).body.agent;
  const down = await eventually(async () => {
    const state = await failuresOf();
    return state.consecutiveFailures >= 4 ? state : undefined;
  }, 'four failed polls');
  const during = (await count()) - before;
  // One request per failed poll, and the wait between them grows (jittered, 100 ms doubled, capped at 1 s).
  t.ok(during <= down.consecutiveFailures, `requests while the proxy was down: ${during} for ${down.consecutiveFailures} failures`);
  const base = Math.min(1000, 100 * 2 ** down.consecutiveFailures);
  t.ok(down.nextDelayMs >= base / 2 && down.nextDelayMs <= base, `next poll in ${down.nextDelayMs} ms`);
  t.ok((await getJson(`${agent.endpoint}/healthz`)).status === 200, 'the agent itself stays healthy');

  envoy = await startEnvoy({ config: pipeAdmin(dir) });
  await events.next((e) => e.type === 'proxy.recovered', 20_000);
  await ready(agent);
  await events.next((e) => e.type === 'drift.resolved' && e.findingId === detected.findingId, 20_000);
});

t.test('a broken snapshot dropped into the watched folder leaves the last good one in force', async (t) => {
  const dir = workdir(t);
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  writeFileSync(join(declared, 'envoy.yaml'), stringify(gatewayBootstrap()));
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms']);
  t.teardown(() => agent.stop());
  await ready(agent);
  const before = await getJson<{ root: string }>(`${agent.endpoint}/v1/snapshot`);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  writeFileSync(join(declared, 'extra.yaml'), 'resources:\n  - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster\n    name: x\n    connect_timeout: soon\n');
  const invalid = await events.next((e) => e.type === 'snapshot.invalid');
  t.match(invalid.message, /extra\.yaml: \/resources\/0\/connect_timeout: "soon" is not a valid duration \(the last good snapshot stays in force\)/);
  const after = await getJson<{ root: string; lastError: string }>(`${agent.endpoint}/v1/snapshot`);
  t.equal(after.body.root, before.body.root, 'the last good snapshot is in force');
  t.match(after.body.lastError, /connect_timeout/);
  t.equal((await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body.inSync, true, 'still compared against the good one');
  t.match((await getJson<string>(`${agent.endpoint}/metrics`)).body, /envoydrift_snapshot_valid 0/);

  // A valid change is taken up and checked at once.
  rmSync(join(declared, 'extra.yaml'));
  const changed = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  changed['static_resources'].clusters[0].connect_timeout = '2s';
  writeFileSync(join(declared, 'envoy.yaml'), stringify(changed));
  await events.next((e) => e.type === 'snapshot.loaded');
  await events.next((e) => e.type === 'drift.detected' && e.resource?.name === 'payments');
});
