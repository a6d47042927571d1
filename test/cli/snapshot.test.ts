import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli, checkJson } from '../helpers/cli.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

let envoy: RunningEnvoy;
const dir = workdir(t, 'envoy-drift-snap-');

t.before(async () => {
  envoy = await startEnvoy({ config: gatewayBootstrap() });
});
t.teardown(async () => {
  await envoy?.stop();
});

t.test('snapshot captures a known-good proxy as a declaration that checks in sync', async (t) => {
  await adminPost(envoy.admin, '/runtime_modify?ops.hotfix=1');
  const out = join(dir, 'snapshot');
  const result = await cli(['snapshot', '--admin', envoy.admin, '--out', out]);
  t.equal(result.code, 0, result.stderr);
  t.same(readdirSync(out).sort(), ['bootstrap.yaml', 'clusters.yaml', 'envoy-drift.lock.json', 'listeners.yaml', 'runtime.yaml']);
  t.match(parse(readFileSync(join(out, 'runtime.yaml'), 'utf8')), { kind: 'Runtime', admin: { 'ops.hotfix': '1' } });
  const { code, report } = await checkJson(envoy.admin, out);
  t.equal(code, 0);
  t.same(report.drift, []);

  await adminPost(envoy.admin, '/runtime_modify?ops.hotfix=2');
  const drifted = await checkJson(envoy.admin, out);
  t.match(drifted.report.drift, [{ resourceType: 'runtime', name: 'ops.hotfix', paths: [{ path: '/admin_override', declared: '1', live: '2' }] }]);
  await adminPost(envoy.admin, '/runtime_modify?ops.hotfix');
});

t.test('hash prints hashes, writes a lock, and a check runs on hashes alone', async (t) => {
  const declared = join(dir, 'declared');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(declared);
  writeFileSync(join(declared, 'envoy.yaml'), stringify(gatewayBootstrap()));
  const hashed = await cli(['hash', '--declared', declared, '--write-lock']);
  t.equal(hashed.code, 0);
  t.match(hashed.stdout, /^[0-9a-f]{64} {2}bootstrap\/bootstrap$/m);
  t.match(hashed.stdout, /^[0-9a-f]{64} {2}service payments$/m);
  t.match(hashed.stdout, /^[0-9a-f]{64} {2}\(root\)$/m);

  const lockOnly = join(dir, 'lock-only');
  mkdirSync(lockOnly);
  writeFileSync(join(lockOnly, 'envoy-drift.lock.json'), readFileSync(join(declared, 'envoy-drift.lock.json')));
  const inSync = await checkJson(envoy.admin, lockOnly);
  t.equal(inSync.code, 0);
  t.equal(inSync.report.hashesOnly, true);

  const changed = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  changed['static_resources'].clusters[0].lb_policy = 'RANDOM';
  envoy = await envoy.restart(changed);
  const drift = await checkJson(envoy.admin, lockOnly);
  t.equal(drift.code, 1);
  t.match(drift.report.drift, [{ kind: 'modified', resourceType: 'cluster', name: 'payments', paths: [] }]);

  // A lock that no longer matches its files is refused, not trusted.
  writeFileSync(join(declared, 'envoy.yaml'), stringify(changed));
  const stale = await cli(['check', '--admin', envoy.admin, '--declared', declared]);
  t.equal(stale.code, 2);
  t.match(stale.stderr, /envoy-drift\.lock\.json: \/resources.*the lock file does not match/);
  envoy = await envoy.restart(gatewayBootstrap());
});

t.test('diff compares two declarations offline', async (t) => {
  const before = join(dir, 'before.yaml');
  const after = join(dir, 'after.yaml');
  writeFileSync(before, stringify(gatewayBootstrap()));
  const changed = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  changed['static_resources'].clusters[0].connect_timeout = '1.000s';
  writeFileSync(after, stringify(changed));
  t.equal((await cli(['diff', before, after])).code, 0, 'a respelling is no change');
  changed['static_resources'].clusters[0].connect_timeout = '9s';
  writeFileSync(after, stringify(changed));
  const result = await cli(['diff', before, after, '--format', 'json']);
  t.equal(result.code, 1);
  t.match(JSON.parse(result.stdout), { drift: [{ service: 'payments', resourceType: 'cluster', paths: [{ path: '/connect_timeout', declared: '1s', live: '9s' }] }] });
});

t.test('manifest: services by glob, ignore rules with reasons and expiry, severity overrides', async (t) => {
  const declared = join(dir, 'with-manifest');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(declared);
  writeFileSync(join(declared, 'envoy.yaml'), stringify(gatewayBootstrap()));
  writeFileSync(
    join(declared, 'envoy-drift.yaml'),
    stringify({
      apiVersion: 'envoy-drift/v1',
      kind: 'Manifest',
      defaults: { remediation: 'observe' },
      services: [
        {
          name: 'payments',
          resources: ['cluster/payments*', 'virtual_host/*/payments'],
          remediation: 'approve',
          ignore: [{ resource: 'cluster/payments', path: '/circuit_breakers/thresholds/*/max_connections', reason: 'tuned by the autoscaler' }],
          severity: [{ resource: 'cluster/payments', path: '/outlier_detection/**', severity: 'low' }],
        },
      ],
      ignore: [{ path: '/lb_policy', reason: 'migration window', expires: '2020-01-01' }],
    }),
  );
  const changed = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const payments = changed['static_resources'].clusters[0];
  payments.circuit_breakers.thresholds[0].max_connections = 5000;
  payments.outlier_detection.consecutive_5xx = 9;
  payments.lb_policy = 'RANDOM';
  envoy = await envoy.restart(changed);
  const { report } = await checkJson(envoy.admin, declared);
  const service = report.services.find((s) => s.name === 'payments')!;
  t.match(service, { remediation: 'approve', declaredResources: 3 }, 'cluster/payments, cluster/payments-canary and the virtual host');
  t.notOk(report.services.find((s) => s.name === 'payments-canary'), 'claimed by the manifest service');
  const finding = report.drift.find((d) => d.name === 'payments')!;
  const paths = finding.paths.map((p) => p.path);
  t.notOk(paths.some((p) => p.includes('max_connections')), 'ignored path suppressed');
  t.ok(paths.includes('/lb_policy'), 'an expired rule is not applied');
  t.equal(finding.severity, 'medium', 'an override covering only some paths does not lower the finding');
  t.match(report.ignored, [
    { rule: 'payments#0', service: 'payments', suppressed: 1, reason: 'tuned by the autoscaler', expired: false },
    { rule: '*#0', suppressed: 0, expired: true },
  ]);

  const outlierOnly = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  outlierOnly['static_resources'].clusters[0].outlier_detection.consecutive_5xx = 9;
  envoy = await envoy.restart(outlierOnly);
  const lowered = await checkJson(envoy.admin, declared);
  t.match(lowered.report.drift, [{ name: 'payments', severity: 'low', reasons: ['severity set by manifest'] }], 'severity override');
  envoy = await envoy.restart(gatewayBootstrap());
});
