import t from 'tap';
import { join } from 'node:path';
import type { DriftReport } from '../../src/compare/drift.js';
import { catalogSnapshot } from '../fixtures/control-plane-snapshots.js';
import { EventStream, getJson, startAgent, type RunningAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { adsBootstrap, allAt, startControlPlane, waitForStats, type RunningControlPlane } from '../helpers/control-plane.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The agent beside a real Envoy fed by a real go-control-plane, following the
 * control plane's pushes as declaration changes: an applied push is quiet, a
 * rejected one is reported at once and as stale past the grace, a hand-made
 * override is still found, and a control plane that goes away is an event,
 * not drift.
 */

const NODE = 'edge-agent';
let controlPlane: RunningControlPlane;
let envoy: RunningEnvoy;
let agent: RunningAgent;
let events: EventStream;
const dir = workdir(t, 'envoy-drift-cp-agent-');

interface Status {
  controlPlane: { address: string; nodeId?: string; connected: boolean; intent: { versions: Record<string, string>; ageSeconds: number } | null };
}

/** A listener Envoy refuses: an HTTP connection manager without a stat prefix. */
function rejectedListener(version: string) {
  const snapshot = catalogSnapshot(version);
  (snapshot.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config as Record<string, unknown>)['stat_prefix'] = '';
  return snapshot;
}

const since = (from: number) => events.events.slice(from);

t.before(async () => {
  controlPlane = await startControlPlane();
  await controlPlane.put(NODE, catalogSnapshot('1'));
  envoy = await startEnvoy({ config: adsBootstrap(controlPlane.address), nodeId: NODE });
  await waitForStats(envoy.admin, allAt('1'));
  agent = await startAgent(['--admin', envoy.admin, '--control-plane', controlPlane.address, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--admin-budget', '20%', '--stale-grace', '2s']);
  events = await EventStream.open(agent.endpoint);
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
});
t.teardown(async () => {
  events?.close();
  await agent?.stop();
  await envoy?.stop();
  await controlPlane?.stop();
});

t.test('in sync with the control plane; one more stream for the node, never a NACK', async (t) => {
  const drift = await getJson<DriftReport>(`${agent.endpoint}/v1/drift`);
  t.equal(drift.body.inSync, true, JSON.stringify(drift.body.drift));
  const status = await getJson<Status>(`${agent.endpoint}/v1/status`);
  t.match(status.body.controlPlane, { address: controlPlane.address, nodeId: NODE, connected: true, intent: { versions: { listener: '1', cluster: '1', route_configuration: '1' } } });
  const streams = await controlPlane.streams();
  t.same(streams.open, { envoy: 1, 'envoy-drift': 1 });
});

t.test('a push the proxy applies: a declaration change, in sync again, no drift events', async (t) => {
  const from = events.events.length;
  await controlPlane.put(NODE, catalogSnapshot('2', { timeout: '9s', extraCluster: true }));
  await events.next((e) => e.type === 'snapshot.loaded' && /version 2/.test(e.message));
  await waitForStats(envoy.admin, allAt('2'));
  await eventually(async () => {
    const report = (await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body;
    return report.inSync && report.services.some((s) => s.name === 'catalog-canary') ? true : undefined;
  }, 'a check against version 2 with the proxy at version 2');
  t.same(since(from).filter((e) => e.type.startsWith('drift.')), [], 'no drift event for a push the proxy applied');
  t.equal(since(from).filter((e) => e.type === 'snapshot.loaded').length, 1, 'one declaration change per push');
});

t.test('a push the proxy rejects: rejected, then stale past the grace, resolved when fixed', async (t) => {
  const from = events.events.length;
  await controlPlane.put(NODE, rejectedListener('3'));
  const rejected = await events.next((e) => e.type === "drift.detected" && / rejected: /.test(e.message));
  t.match(rejected, { resource: { type: 'listener', name: 'ingress' }, severity: 'high' });
  t.match(rejected.message, /StatPrefix/, "Envoy's reason");
  const stale = await events.next((e) => (e.type === 'drift.detected' || e.type === 'drift.updated') && / stale: the proxy holds version 1; the control plane's is 3/.test(e.message));
  t.match(stale, { resource: { type: 'listener', name: 'ingress' } });
  const report = (await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body;
  t.match(report.drift.find((d) => d.kind === 'stale'), { versions: { proxy: '1', controlPlane: '3' } });
  await controlPlane.put(NODE, catalogSnapshot('4'));
  await events.next((e) => e.type === 'drift.resolved' && e.resource?.name === 'ingress');
  t.ok(since(from).some((e) => e.type === 'snapshot.loaded'), 'both pushes were declaration changes');
});

t.test('a hand-made runtime override is still found', async (t) => {
  await adminPost(envoy.admin, '/runtime_modify?catalog.flag=1');
  const found = await events.next((e) => e.type === 'drift.detected' && e.resource?.name === 'catalog.flag');
  t.match(found, { attribution: { source: 'admin runtime override' } });
  await adminPost(envoy.admin, '/runtime_modify?catalog.flag=');
  await events.next((e) => e.type === 'drift.resolved' && e.resource?.name === 'catalog.flag');
});

t.test('the control plane goes away and comes back: events, not drift; the proxy is still watched', async (t) => {
  const from = events.events.length;
  const address = controlPlane.address;
  await controlPlane.stop();
  const down = await events.next((e) => e.type === 'control_plane.unreachable');
  t.match(down.message, new RegExp(`control plane ${address}`));
  const status = await getJson<Status>(`${agent.endpoint}/v1/status`);
  t.match(status.body.controlPlane, { connected: false, intent: { versions: { listener: '4' } } });
  t.type(status.body.controlPlane.intent!.ageSeconds, 'number');
  await adminPost(envoy.admin, '/runtime_modify?catalog.flag=2');
  const later = (e: { type: string; resource?: { name: string } }, type: string) => e.type === type && e.resource?.name === 'catalog.flag' && events.events.indexOf(e as never) >= from;
  await events.next((e) => later(e, 'drift.detected'));
  await adminPost(envoy.admin, '/runtime_modify?catalog.flag=');
  await events.next((e) => later(e, 'drift.resolved'));

  controlPlane = await startControlPlane({ grpc: address });
  await controlPlane.put(NODE, catalogSnapshot('4'));
  await events.next((e) => e.type === 'control_plane.recovered');
  t.notOk(since(from).some((e) => e.type.startsWith('drift.') && e.resource?.type !== 'runtime'), 'no drift from the outage');
});
