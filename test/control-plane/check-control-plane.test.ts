import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import type { DriftReport } from '../../src/compare/drift.js';
import { catalogSnapshot } from '../fixtures/control-plane-snapshots.js';
import { makePki } from '../helpers/certs.js';
import { cli } from '../helpers/cli.js';
import { adsBootstrap, allAt, startControlPlane, waitForStats, type RunningControlPlane } from '../helpers/control-plane.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

const NODE = 'edge-1';
let controlPlane: RunningControlPlane;
let envoy: RunningEnvoy;

t.before(async () => {
  controlPlane = await startControlPlane();
  await controlPlane.put(NODE, catalogSnapshot('1'));
  envoy = await startEnvoy({ config: adsBootstrap(controlPlane.address), nodeId: NODE });
  await waitForStats(envoy.admin, allAt('1'));
});
t.teardown(async () => {
  await envoy?.stop();
  await controlPlane?.stop();
});

async function check(extra: string[] = []): Promise<{ code: number; report?: DriftReport; stderr: string }> {
  const run = await cli(['check', '--admin', envoy.admin, '--control-plane', controlPlane.address, '--format', 'json', '--timeout', '3s', ...extra]);
  return { code: run.code, stderr: run.stderr, ...(run.code !== 2 ? { report: JSON.parse(run.stdout) as DriftReport } : {}) };
}

/** A listener Envoy refuses: an HTTP connection manager without a stat prefix. */
function rejectedListener(version: string) {
  const snapshot = catalogSnapshot(version, { timeout: '7s' });
  (snapshot.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config as Record<string, unknown>)['stat_prefix'] = '';
  return snapshot;
}

t.test('in sync with the control plane, without --declared', async (t) => {
  const { code, report } = await check();
  t.equal(code, 0);
  t.same(report!.drift, []);
  t.same(report!.coverage.compared, ['cluster', 'listener', 'route_configuration', 'virtual_host']);
  t.equal(report!.proxy.nodeId, NODE);
  const streams = await controlPlane.streams();
  t.notOk(streams.nacks.some((n) => n.userAgent === 'envoy-drift'), 'the check never NACKs');
});

t.test('--declared beside the control plane still covers the bootstrap and static resources', async (t) => {
  const dir = workdir(t, 'envoy-drift-cp-declared-');
  const bootstrap = adsBootstrap(controlPlane.address) as { static_resources: { clusters: Array<Record<string, unknown>> } };
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  const same = await check(['--declared', join(dir, 'envoy.yaml')]);
  t.equal(same.code, 0, JSON.stringify(same.report?.drift));
  t.ok(same.report!.services.some((s) => s.name === 'xds'), 'the static cluster is compared');
  bootstrap.static_resources.clusters[0]!['connect_timeout'] = '2s';
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  const changed = await check(['--declared', join(dir, 'envoy.yaml')]);
  t.equal(changed.code, 1);
  t.match(changed.report!.drift, [{ kind: 'modified', resourceType: 'cluster', name: 'xds', paths: [{ path: '/connect_timeout', declared: '2s', live: '1s' }] }]);
});

t.test('a push the proxy applies is in sync again', async (t) => {
  await controlPlane.put(NODE, catalogSnapshot('2', { timeout: '5s', extraCluster: true }));
  await waitForStats(envoy.admin, allAt('2'));
  const { code, report } = await check();
  t.equal(code, 0, JSON.stringify(report?.drift));
});

t.test('a push the proxy rejects: rejected at once, stale past the grace', async (t) => {
  await controlPlane.put(NODE, rejectedListener('3'));
  await waitForStats(envoy.admin, (s) => Number(s['listener_manager.lds.update_rejected'] ?? 0) > 0);
  const within = await check();
  t.equal(within.code, 1);
  const rejected = within.report!.drift.find((d) => d.kind === 'rejected');
  // The listener did not change in version 2, so the proxy holds it at version 1.
  t.match(rejected, { resourceType: 'listener', name: 'ingress', versions: { proxy: '1', controlPlane: '3' } });
  t.match(rejected!.details, /stat_prefix|StatPrefix/i, "Envoy's reason");
  t.notOk(within.report!.drift.some((d) => d.kind === 'stale' || d.kind === 'modified'), 'push lag is not drift within the grace');

  const past = await check(['--stale-grace', '0s']);
  t.equal(past.code, 1);
  const stale = past.report!.drift.filter((d) => d.kind === 'stale');
  t.match(stale, [{ resourceType: 'listener', name: 'ingress', versions: { proxy: '1', controlPlane: '3' }, details: /^the proxy holds version 1; the control plane's is 3 since .*; Envoy rejected it: .*StatPrefix/, severity: 'high' }]);
  t.equal(stale.length, 1, 'the route configuration, pushed apart over RDS, was applied');
  t.notOk(past.report!.drift.some((d) => d.kind === 'rejected'), 'one finding per resource: the stale one names the rejection');
  // Back to a version the proxy takes (go-control-plane resends a NACKed version in a loop).
  await controlPlane.put(NODE, catalogSnapshot('4'));
  await waitForStats(envoy.admin, allAt('4'));
});

t.test('a hand-made runtime override is still found', async (t) => {
  await adminPost(envoy.admin, '/runtime_modify?drift.test.flag=1');
  const { code, report } = await check();
  t.equal(code, 1);
  t.match(report!.drift, [{ resourceType: 'runtime', name: 'drift.test.flag', kind: 'added' }]);
  await adminPost(envoy.admin, '/runtime_modify?drift.test.flag=');
});

t.test('snapshot --control-plane captures the intent as declaration files', async (t) => {
  const dir = workdir(t, 'envoy-drift-cp-snap-');
  const out = join(dir, 'intent');
  const run = await cli(['snapshot', '--admin', envoy.admin, '--control-plane', controlPlane.address, '--out', out]);
  t.equal(run.code, 0, run.stderr);
  t.same(readdirSync(out).sort(), ['clusters.yaml', 'envoy-drift.lock.json', 'listeners.yaml', 'routes.yaml']);
  t.match(parse(readFileSync(join(out, 'clusters.yaml'), 'utf8')), { version_info: '4', resources: [{ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'catalog', connect_timeout: '1s' }] });
  // Given as files, the captured intent speaks for clusters: the proxy's static xds cluster, which
  // the control plane does not declare, is the only difference.
  const both = await check(['--declared', out]);
  t.match(both.report!.drift, [{ kind: 'added', resourceType: 'cluster', name: 'xds' }]);
  t.equal(both.report!.drift.length, 1, JSON.stringify(both.report!.drift.map((d) => `${d.kind} ${d.resourceType}/${d.name}`)));
  const none = await cli(['snapshot', '--admin', envoy.admin, '--control-plane', controlPlane.address, '--node-id', 'nobody', '--timeout', '1s', '--out', join(dir, 'none')]);
  t.equal(none.code, 2);
  t.match(none.stderr, /no complete answer for node "nobody"/);
  t.notOk(existsSync(join(dir, 'none')), 'nothing written');
});

t.test('a node the control plane has nothing for: exit 2, one line', async (t) => {
  const run = await check(['--node-id', 'nobody', '--timeout', '1s']);
  t.equal(run.code, 2);
  t.match(run.stderr, new RegExp(`control plane ${controlPlane.address}: no complete answer for node "nobody"`));
  t.equal(run.stderr.trim().split('\n').length, 1);
});

t.test('a control plane that is down is not drift: exit 2 naming the address', async (t) => {
  const stopped = await startControlPlane();
  const address = stopped.address;
  await stopped.stop();
  const run = await cli(['check', '--admin', envoy.admin, '--control-plane', address, '--timeout', '2s']);
  t.equal(run.code, 2);
  t.match(run.stderr, new RegExp(`control plane ${address}: unreachable`));
  t.equal(run.stderr.trim().split('\n').length, 1);
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

t.test('bad flags: one line naming the flag', async (t) => {
  const bad = await cli(['check', '--admin', envoy.admin, '--control-plane', 'nowhere']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--control-plane: must be host:port/);
  const missing = await cli(['check', '--admin', envoy.admin, '--control-plane', controlPlane.address, '--control-plane-ca', '/nonexistent/ca.pem']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--control-plane-ca \/nonexistent\/ca.pem: cannot read \(ENOENT\)/);
  const half = await cli(['check', '--admin', envoy.admin, '--control-plane', controlPlane.address, '--control-plane-cert', '/tmp/x.pem']);
  t.equal(half.code, 2);
  t.match(half.stderr, /--control-plane-cert and --control-plane-key go together/);
});

t.test('mutual TLS to the control plane', async (t) => {
  const dir = workdir(t, 'envoy-drift-cp-tls-');
  const pki = makePki(dir);
  const secure = await startControlPlane({ tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert } });
  t.teardown(() => secure.stop());
  await secure.put('edge-tls', catalogSnapshot('1'));
  const proxy = await startEnvoy({ config: adsBootstrap(secure.address, { tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } }), nodeId: 'edge-tls' });
  t.teardown(() => proxy.stop());
  await waitForStats(proxy.admin, allAt('1'));
  const tls = ['--control-plane', secure.address, '--control-plane-ca', pki.caCert];
  const ok = await cli(['check', '--admin', proxy.admin, ...tls, '--control-plane-cert', pki.clientCert, '--control-plane-key', pki.clientKey]);
  t.equal(ok.code, 0, ok.stderr);
  const noClientCert = await cli(['check', '--admin', proxy.admin, ...tls, '--timeout', '2s']);
  t.equal(noClientCert.code, 2);
  t.match(noClientCert.stderr, new RegExp(`control plane ${secure.address}: unreachable`));
  const key = await import('node:fs').then((fs) => fs.readFileSync(pki.clientKey, 'utf8'));
  const keyBody = key.split('\n')[1]!;
  t.notOk(noClientCert.stderr.includes(keyBody), 'no byte of the key in the output');
});
