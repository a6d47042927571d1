import t from 'tap';
import { gatewayBootstrap } from '../../fixtures/gateway-bootstrap.js';
import { adminPost, adminRequest, startEnvoy } from '../../helpers/envoy.js';
import { declare, harness } from './harness.js';

/*
 * The runtime mechanism against a real Envoy: hand-made `/runtime_modify`
 * overrides are removed and declared values restored, inside the guardrails.
 */
const envoy = await startEnvoy({ config: gatewayBootstrap() });
const { declared } = await declare(t, { 'envoy.yaml': gatewayBootstrap() });
t.teardown(() => envoy.stop());

const DRIFT = '/runtime_modify?payments.feature_x.enabled=false&rogue.key=1';

type RuntimeEntries = Record<string, { final_value?: string; layer_values: string[] }>;

/** `/runtime` lists its entries in no stable order, so they are compared parsed. */
async function runtimeDump(): Promise<RuntimeEntries> {
  const { body } = await adminRequest(envoy.admin, '/runtime', 'GET');
  return ((await body.json()) as { entries: RuntimeEntries }).entries;
}

async function reset(): Promise<void> {
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled&rogue.key');
}

t.beforeEach(reset);

t.test('revert mode removes the overrides nobody declared, then verifies', async (t) => {
  const h = harness({ admin: envoy.admin, declared });
  t.teardown(() => h.close());
  const clean = await runtimeDump();
  await adminPost(envoy.admin, DRIFT);
  const drifted = await h.check();
  t.same(drifted.report.drift.map((d) => `${d.kind} ${d.resourceType}/${d.name}`).sort(), ['added runtime/rogue.key', 'modified runtime/payments.feature_x.enabled']);
  await h.remediator.handle(drifted);
  t.same(h.types(), ['remediation.applied']);
  t.equal(h.events[0]!.mechanism, 'runtime');
  t.equal(h.events[0]!.dryRun, false);
  t.match(h.events[0]!.detail, /remove payments\.feature_x\.enabled/);
  const after = await h.check();
  t.ok(after.report.inSync, 'the proxy matches the declaration');
  t.same(await runtimeDump(), clean, 'the runtime is what it was');
  h.remediator.verify(after);
  t.same(h.types(), ['remediation.applied', 'remediation.verified']);
  t.equal(h.events[1]!.proposalId, h.events[0]!.proposalId, 'one remediation id throughout');
  t.equal(h.remediator.proposals()[0]!.state, 'verified');
  await h.remediator.handle(after);
  t.equal(h.events.length, 2, 'nothing more to do when in sync');
});

t.test('declared admin-layer values are restored', async (t) => {
  const withRuntime = await declare(t, {
    'envoy.yaml': gatewayBootstrap(),
    'runtime.yaml': { apiVersion: 'envoy-drift/v1', kind: 'Runtime', admin: { 'rogue.key': '7' } },
  });
  const h = harness({ admin: envoy.admin, declared: withRuntime.declared });
  t.teardown(() => h.close());
  await adminPost(envoy.admin, '/runtime_modify?rogue.key=1');
  await h.remediator.handle(await h.check());
  t.match(h.events[0]!.detail, /set rogue\.key=7/);
  const after = await h.check();
  t.ok(after.report.inSync);
  t.equal((await runtimeDump())['rogue.key']?.final_value, '7');
});

t.test('observe mode changes nothing and emits nothing', async (t) => {
  const h = harness({ admin: envoy.admin, declared, defaultMode: 'observe' });
  t.teardown(() => h.close());
  await adminPost(envoy.admin, DRIFT);
  const drifted = await runtimeDump();
  await h.remediator.handle(await h.check());
  t.same(h.events, []);
  t.same(await runtimeDump(), drifted);
});

t.test('dry run changes nothing, reports what it would do once', async (t) => {
  const h = harness({ admin: envoy.admin, declared, dryRun: true });
  t.teardown(() => h.close());
  await adminPost(envoy.admin, DRIFT);
  const dump = await h.client.configDump();
  const runtime = await runtimeDump();
  await h.remediator.handle(await h.check());
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.applied'], 'reported once, not on every check');
  t.equal(h.events[0]!.dryRun, true);
  t.match(h.events[0]!.detail, /^dry run, nothing changed: would POST \/runtime_modify/);
  t.same(await h.client.configDump(), dump, 'the config dump is unchanged');
  t.same(await runtimeDump(), runtime, 'the runtime is unchanged');
});

t.test('approve mode changes nothing until approved', async (t) => {
  const h = harness({ admin: envoy.admin, declared, defaultMode: 'approve' });
  t.teardown(() => h.close());
  await adminPost(envoy.admin, DRIFT);
  const drifted = await runtimeDump();
  await h.remediator.handle(await h.check());
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.proposed'], 'proposed once for the same drift');
  const id = h.events[0]!.proposalId!;
  t.same(await runtimeDump(), drifted, 'nothing changed while pending');
  t.same(h.remediator.proposals().map((p) => [p.id, p.state]), [[id, 'pending']]);
  const approved = h.remediator.approve(id, 'alice');
  t.ok(approved.ok);
  t.same(await runtimeDump(), drifted, 'applied on the next check, not in the approval call');
  await h.remediator.handle(await h.check());
  const after = await h.check();
  t.ok(after.report.inSync);
  h.remediator.verify(after);
  t.same(h.types(), ['remediation.proposed', 'remediation.approved', 'remediation.applied', 'remediation.verified']);
  t.ok(h.events.every((e) => e.proposalId === id));
  const history = h.remediator.proposals()[0]!.history;
  t.same(history.map((s) => s.state), ['pending', 'approved', 'applied', 'verified']);
  t.equal(history[1]!.by, 'alice');
  const again = h.remediator.approve(id, 'bob');
  t.notOk(again.ok);
  if (!again.ok) t.equal(again.error.code, 'ED_PROPOSAL_NOT_PENDING');
});

t.test('rejected and expired proposals are recorded and never applied', async (t) => {
  let now = new Date('2026-01-01T00:00:00Z');
  const h = harness({ admin: envoy.admin, declared, defaultMode: 'approve', config: { proposalTtlSeconds: 60 }, now: () => now });
  t.teardown(() => h.close());
  await adminPost(envoy.admin, DRIFT);
  const drifted = await runtimeDump();
  await h.remediator.handle(await h.check());
  const first = h.events[0]!.proposalId!;
  const rejected = h.remediator.reject(first, 'bob');
  t.ok(rejected.ok);
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.proposed', 'remediation.rejected', 'remediation.proposed'], 'a rejected proposal is not applied; the drift is proposed anew');
  const second = h.events[2]!.proposalId!;
  t.not(second, first);
  now = new Date(now.getTime() + 61_000);
  await h.remediator.handle(await h.check());
  t.equal(h.events[3]!.type, 'remediation.expired');
  t.equal(h.events[3]!.proposalId, second);
  const late = h.remediator.approve(second, 'carol');
  t.notOk(late.ok, 'an expired proposal cannot be approved');
  const unknown = h.remediator.approve('rem-nope', 'carol');
  t.notOk(unknown.ok);
  if (!unknown.ok) t.equal(unknown.error.code, 'ED_PROPOSAL_NOT_FOUND');
  t.same(await runtimeDump(), drifted, 'nothing changed');
  const states = h.remediator.proposals().map((p) => p.state);
  t.ok(states.includes('rejected') && states.includes('expired'), 'both are recorded');
});

t.test('the same drift re-applied over and over: reverting stops at the limit with a critical event', async (t) => {
  const h = harness({ admin: envoy.admin, declared, config: { flap: { maxReverts: 3, windowSeconds: 600 }, rateLimit: { perService: 100, windowSeconds: 600 } } });
  t.teardown(() => h.close());
  for (let round = 0; round < 5; round++) {
    await adminPost(envoy.admin, '/runtime_modify?rogue.key=1');
    const input = await h.check();
    h.remediator.verify(input);
    await h.remediator.handle(input);
  }
  const applied = h.events.filter((e) => e.type === 'remediation.applied');
  const halted = h.events.filter((e) => e.type === 'remediation.halted');
  t.equal(applied.length, 3, 'three reverts, then no more');
  t.equal(halted.length, 1, 'one halt, not one per check');
  t.equal(halted[0]!.severity, 'critical');
  t.equal(halted[0]!.findingKey, 'runtime/rogue.key');
  t.equal((await runtimeDump())['rogue.key']?.final_value, '1', 'the drift is left in place once halted');
  const failed = h.events.filter((e) => e.type === 'remediation.failed');
  t.equal(failed.length, 3, 'each revert was undone before its verification');
});

t.test('guardrails: invalid snapshot, proxy not LIVE, rate limit, change window', async (t) => {
  await adminPost(envoy.admin, DRIFT);
  const drifted = await runtimeDump();

  const invalid = harness({ admin: envoy.admin, declared });
  t.teardown(() => invalid.close());
  await invalid.remediator.handle({ ...(await invalid.check()), snapshotValid: false });
  t.same(invalid.types(), ['remediation.skipped']);
  t.match(invalid.events[0]!.detail, /snapshot is invalid or expired/);

  const notLive = harness({ admin: envoy.admin, declared });
  t.teardown(() => notLive.close());
  const input = await notLive.check();
  await notLive.remediator.handle({ ...input, live: { ...input.live, proxy: { ...input.live.proxy, state: 'DRAINING' } } });
  t.same(notLive.types(), ['remediation.skipped']);
  t.match(notLive.events[0]!.detail, /proxy is DRAINING, not LIVE/);

  const denied = harness({ admin: envoy.admin, declared, config: { windows: [{ deny: '* * * * *', durationMinutes: 5 }] } });
  t.teardown(() => denied.close());
  await denied.remediator.handle(await denied.check());
  await denied.remediator.handle(await denied.check());
  t.same(denied.types(), ['remediation.skipped'], 'reported once while the reason holds');
  t.match(denied.events[0]!.detail, /inside the deny window/);
  t.same(await runtimeDump(), drifted, 'no guardrail let a change through');

  const limited = harness({ admin: envoy.admin, declared, config: { rateLimit: { perService: 1, windowSeconds: 600 } } });
  t.teardown(() => limited.close());
  await limited.remediator.handle(await limited.check());
  limited.remediator.verify(await limited.check());
  await adminPost(envoy.admin, '/runtime_modify?another.key=1');
  await limited.remediator.handle(await limited.check());
  t.same(limited.types(), ['remediation.applied', 'remediation.verified', 'remediation.skipped']);
  t.match(limited.events[2]!.detail, /rate limit of 1/);
  t.equal(limited.events[2]!.severity, 'medium');
  t.equal((await runtimeDump())['another.key']?.final_value, '1', 'the second drift is left alone');
  await adminPost(envoy.admin, '/runtime_modify?another.key');
});

t.test('approve mode: nothing proposed from an invalid snapshot; an approval waits for the change window', async (t) => {
  await adminPost(envoy.admin, DRIFT);
  const drifted = await runtimeDump();
  const invalid = harness({ admin: envoy.admin, declared, defaultMode: 'approve' });
  t.teardown(() => invalid.close());
  await invalid.remediator.handle({ ...(await invalid.check()), snapshotValid: false });
  t.same(invalid.types(), ['remediation.skipped']);
  t.match(invalid.events[0]!.detail, /^not proposing: the declared snapshot is invalid or expired/);
  t.same(invalid.remediator.proposals(), []);

  let now = new Date('2026-11-26T12:30:00Z');
  const windowed = harness({ admin: envoy.admin, declared, defaultMode: 'approve', now: () => now, config: { windows: [{ allow: '0 13 * * *', durationMinutes: 60 }] } });
  t.teardown(() => windowed.close());
  await windowed.remediator.handle(await windowed.check());
  const id = windowed.events[0]!.proposalId!;
  t.ok(windowed.remediator.approve(id, 'alice').ok);
  await windowed.remediator.handle(await windowed.check());
  t.same(windowed.types(), ['remediation.proposed', 'remediation.approved', 'remediation.skipped']);
  t.match(windowed.events[2]!.detail, /outside every allow window/);
  t.same(await runtimeDump(), drifted, 'approved, but not applied outside the window');
  now = new Date('2026-11-26T13:05:00Z');
  await windowed.remediator.handle(await windowed.check());
  t.equal(windowed.events[3]!.type, 'remediation.applied');
  t.equal(windowed.events[3]!.proposalId, id);
  t.ok((await windowed.check()).report.inSync);
});

t.test('drift only a restart can revert is skipped once, with the reason', async (t) => {
  const changed = gatewayBootstrap() as { static_resources: { clusters: Array<Record<string, unknown>> } };
  changed.static_resources.clusters.find((c) => c['name'] === 'reports')!['connect_timeout'] = '9s';
  const other = await declare(t, { 'envoy.yaml': changed });
  const h = harness({ admin: envoy.admin, declared: other.declared });
  t.teardown(() => h.close());
  await h.remediator.handle(await h.check());
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.skipped']);
  t.equal(h.events[0]!.findingKey, 'cluster/reports');
  t.match(h.events[0]!.detail, /no mechanism can revert cluster\/reports \(runtime: not a runtime key; filesystem: cluster\/reports is declared in the bootstrap, not in an xDS file\)/);
  t.same(h.remediator.proposals(), [], 'nothing was attempted');
});
