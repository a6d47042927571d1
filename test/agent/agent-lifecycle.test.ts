import t from 'tap';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminPost, startEnvoy } from '../helpers/envoy.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { ready } from '../helpers/agent-beside-envoy.js';
import { workdir } from '../helpers/workdir.js';
import type { DriftReport } from '../../src/compare/drift.js';

/*
 * The agent beside a real Envoy: drift made while it runs is reported as it
 * happens, resolved when undone, under one finding id across agent restarts.
 * (Restarts of the proxy and broken snapshots: agent-restarts.test.ts.)
 */

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
