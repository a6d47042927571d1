import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminPost, adminRequest, startEnvoy } from '../helpers/envoy.js';
import { EventStream, eventually, getJson, startAgent } from '../helpers/agent.js';
import { cli } from '../helpers/cli.js';

/*
 * The agent with remediation wired in, beside a real Envoy: revert puts a
 * hand-made runtime override back by itself; approve waits for a person
 * (the remediate CLI against the agent's endpoint) and changes nothing before.
 */

async function overrides(admin: string): Promise<Record<string, unknown>> {
  const response = await adminRequest(admin, '/runtime', 'GET');
  const runtime = (await response.body.json()) as { entries: Record<string, { layer_values: string[] }>; layers: string[] };
  const adminIndex = runtime.layers.indexOf('admin');
  return Object.fromEntries(Object.entries(runtime.entries).filter(([, e]) => e.layer_values[adminIndex]).map(([k, e]) => [k, e.layer_values[adminIndex]]));
}

async function setup(t: { teardown(fn: () => unknown): void }, mode: string) {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-remediate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  writeFileSync(join(dir, 'token'), 'tok3n');
  const agent = await startAgent(['--admin', envoy.admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--interval', '200ms', '--remediation', mode, '--token-file', join(dir, 'token')]);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());
  return { dir, envoy, agent, events };
}

t.test('revert: a hand-made runtime override is removed by the agent, and verified', async (t) => {
  const { envoy, events } = await setup(t, 'revert');
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const detected = await events.next((e) => e.type === 'drift.detected');
  const applied = await events.next((e) => e.type === 'remediation.applied');
  t.match(applied, { service: '_proxy', message: /mechanism runtime/ });
  const verified = await events.next((e) => e.type === 'remediation.verified');
  const resolved = await events.next((e) => e.type === 'drift.resolved' && e.findingId === detected.findingId);
  const order = events.events.map((e) => e.id);
  t.ok(order.indexOf(detected.id) < order.indexOf(applied.id) && order.indexOf(applied.id) < order.indexOf(verified.id), 'detected, applied, verified in order');
  t.ok(resolved);
  t.same(await overrides(envoy.admin), {}, 'no admin-layer override is left on the proxy');
});

t.test('approve: nothing changes until a person approves through the remediate CLI', async (t) => {
  const { dir, envoy, agent, events } = await setup(t, 'approve');
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const proposed = await events.next((e) => e.type === 'remediation.proposed');
  const id = /remediation (\S+?)[,\]]/.exec(proposed.message)?.[1];
  t.ok(id, `the event names the proposal: ${proposed.message}`);
  const listed = await cli(['remediate', 'list', '--agent', agent.endpoint, '--format', 'json']);
  t.equal(listed.code, 0, listed.stderr);
  t.match(JSON.parse(listed.stdout), [{ id, service: '_proxy', state: 'pending' }]);
  t.same(await overrides(envoy.admin), { 'payments.feature_x.enabled': 'false' }, 'the override is still there before approval');

  const refused = await cli(['remediate', 'approve', id!, '--agent', agent.endpoint]);
  t.equal(refused.code, 2, 'no token, no approval');
  const approved = await cli(['remediate', 'approve', id!, '--agent', agent.endpoint, '--token-file', join(dir, 'token'), '--by', 'alice']);
  t.equal(approved.code, 0, approved.stderr);
  await events.next((e) => e.type === 'remediation.approved');
  await events.next((e) => e.type === 'remediation.applied');
  await events.next((e) => e.type === 'drift.resolved');
  t.same(await overrides(envoy.admin), {}, 'reverted after approval');
});
