import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminPost, adminRequest, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { EventStream, eventually, getJson, startAgent, type RunningAgent } from '../helpers/agent.js';
import type { DriftReport } from '../../src/compare/drift.js';

/*
 * The agent beside a real Envoy: drift made while it runs is reported as it
 * happens, resolved when undone, under one finding id across agent restarts;
 * an unreachable proxy is reported and recovered from; a broken snapshot
 * leaves the last good one in force.
 */

function workdir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-agent-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The demo bootstrap with its admin on a unix socket, so it keeps its address across restarts. */
function pipeAdmin(dir: string, change?: (b: Record<string, any>) => void): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const bootstrap = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  bootstrap['admin'] = { address: { pipe: { path: join(dir, 'admin.sock') } } };
  change?.(bootstrap);
  return bootstrap;
}

async function ready(agent: RunningAgent): Promise<void> {
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
}

t.test('an admin runtime override: detected, kept across an agent restart under one id, resolved when undone', async (t) => {
  const dir = workdir(t);
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  writeFileSync(join(dir, 'token'), 's3cret\n');
  const args = ['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--token-file', join(dir, 'token')];
  let agent = await startAgent(args);
  t.teardown(() => agent.stop());
  await ready(agent);
  let events = await EventStream.open(agent.endpoint);

  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const detected = await events.next((e) => e.type === 'drift.detected' && e.resource?.name === 'payments.feature_x.enabled');
  t.match(detected, { service: '_proxy', severity: 'medium', attribution: { source: 'admin runtime override' }, changes: [{ path: '/admin_override', live: '"false"' }] });
  const drift = await getJson<DriftReport>(`${agent.endpoint}/v1/drift`);
  t.match(drift.body, { inSync: false, drift: [{ resourceType: 'runtime', name: 'payments.feature_x.enabled' }] });
  t.equal((await getJson<DriftReport>(`${agent.endpoint}/v1/drift/payments`)).body.inSync, true, 'another service is unaffected');
  t.equal((await getJson(`${agent.endpoint}/v1/drift/nope`)).status, 404);

  events.close();
  t.equal(await agent.stop(), 0, 'SIGTERM ends the agent cleanly');
  agent = await startAgent(args);
  await ready(agent);
  events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());
  const status = await getJson<{ findings: Array<{ id: string }> }>(`${agent.endpoint}/v1/status`);
  t.same(status.body.findings.map((f) => f.id), [detected.findingId], 'the finding survived the restart with its id');
  // A check on request: the finding is neither lost nor announced again.
  const forced = await request(`${agent.endpoint}/v1/check`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
  t.equal(forced.statusCode, 200);
  await forced.body.text();
  t.notOk(events.events.some((e) => e.type === 'drift.detected'), 'not re-announced');

  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled');
  const resolved = await events.next((e) => e.type === 'drift.resolved');
  t.equal(resolved.findingId, detected.findingId, 'resolved under the same id');
  t.equal((await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body.inSync, true);
});

t.test('a route changed through filesystem xDS is attributed to a file change', async (t) => {
  const dir = workdir(t);
  const bootstrap = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const listener = bootstrap['static_resources'].listeners.pop();
  bootstrap['dynamic_resources'] = { lds_config: { path_config_source: { path: join(dir, 'lds.yaml') }, resource_api_version: 'V3' } };
  const lds = (l: unknown) => stringify({ resources: [{ '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', ...(l as object) }] });
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  writeFileSync(join(dir, 'lds.yaml'), lds(listener));
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  writeFileSync(join(declared, 'envoy.yaml'), stringify(bootstrap));
  writeFileSync(join(declared, 'lds.yaml'), lds(listener));
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms']);
  t.teardown(() => agent.stop());
  await ready(agent);
  t.equal((await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body.inSync, true);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  listener.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[1].route.timeout = '9s';
  writeFileSync(join(dir, 'lds.next'), lds(listener));
  renameSync(join(dir, 'lds.next'), join(dir, 'lds.yaml'));
  const detected = await events.next((e) => e.type === 'drift.detected');
  t.match(detected, { service: 'payments', resource: { type: 'virtual_host' }, attribution: { source: 'file change' }, changes: [{ path: '/routes/1/route/timeout', declared: '"3s"', live: '"9s"' }] });
});

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
