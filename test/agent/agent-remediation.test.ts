import t from 'tap';
import { adminPost } from '../helpers/envoy.js';
import { cli } from '../helpers/cli.js';
import { agentBesideEnvoy, runtimeOverrides } from '../helpers/agent-beside-envoy.js';

/*
 * The agent with remediation wired in, beside a real Envoy: revert puts a
 * hand-made runtime override back by itself; approve waits for a person
 * (the remediate CLI against the agent's endpoint) and changes nothing before.
 */

t.test('revert: a hand-made runtime override is removed by the agent, and verified', async (t) => {
  const { envoy, events } = await agentBesideEnvoy(t, { remediation: 'revert' });
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const detected = await events.next((e) => e.type === 'drift.detected');
  const applied = await events.next((e) => e.type === 'remediation.applied');
  t.match(applied, { service: '_proxy', message: /mechanism runtime/ });
  const verified = await events.next((e) => e.type === 'remediation.verified');
  const resolved = await events.next((e) => e.type === 'drift.resolved' && e.findingId === detected.findingId);
  const order = events.events.map((e) => e.id);
  t.ok(order.indexOf(detected.id) < order.indexOf(applied.id) && order.indexOf(applied.id) < order.indexOf(verified.id), 'detected, applied, verified in order');
  t.ok(resolved);
  t.same(await runtimeOverrides(envoy.admin), {}, 'no admin-layer override is left on the proxy');
});

t.test('approve: nothing changes until a person approves through the remediate CLI', async (t) => {
  const { tokenFile, envoy, agent, events } = await agentBesideEnvoy(t, { remediation: 'approve' });
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  const proposed = await events.next((e) => e.type === 'remediation.proposed');
  const id = /remediation (\S+?)[,\]]/.exec(proposed.message)?.[1];
  t.ok(id, `the event names the proposal: ${proposed.message}`);
  const listed = await cli(['remediate', 'list', '--agent', agent.endpoint, '--format', 'json']);
  t.equal(listed.code, 0, listed.stderr);
  t.match(JSON.parse(listed.stdout), [{ id, service: '_proxy', state: 'pending' }]);
  t.same(await runtimeOverrides(envoy.admin), { 'payments.feature_x.enabled': 'false' }, 'the override is still there before approval');

  const refused = await cli(['remediate', 'approve', id!, '--agent', agent.endpoint]);
  t.equal(refused.code, 2, 'no token, no approval');
  const approved = await cli(['remediate', 'approve', id!, '--agent', agent.endpoint, '--token-file', tokenFile, '--by', 'alice']);
  t.equal(approved.code, 0, approved.stderr);
  await events.next((e) => e.type === 'remediation.approved');
  await events.next((e) => e.type === 'remediation.applied');
  await events.next((e) => e.type === 'drift.resolved');
  t.same(await runtimeOverrides(envoy.admin), {}, 'reverted after approval');
});
