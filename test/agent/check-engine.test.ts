import t from 'tap';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { handleCheckRequest } from '../../src/agent/check-engine.js';
import type { CheckSummary } from '../../src/agent/check-protocol.js';
import { PRUNE_FROM_RESOURCES } from '../../src/agent/declared-trees.js';
import { gatewayFromFiles } from '../fixtures/gateway-from-files.js';
import { startEnvoy } from '../helpers/envoy.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The engine keeps a live resource's tree only where it differs from the
 * declaration in force (the rest as hashes). A new declaration that now
 * differs from such a resource must still get its field paths: the next
 * check, even one asked for `/runtime` alone, reads the proxy in full.
 */
t.test('after a new declaration, a resource kept as a hash alone is read again for its field paths', async (t) => {
  const dir = workdir(t);
  const gateway = gatewayFromFiles(dir);
  const envoy = await startEnvoy({ config: gateway.config, cwd: dir });
  t.teardown(() => envoy.stop());
  await handleCheckRequest({ id: 1, type: 'init', admin: envoy.admin, timeoutMs: 10_000, warmingGraceMs: 60_000, defaultRemediation: 'observe' });
  await handleCheckRequest({ id: 2, type: 'load', path: gateway.declared, remediation: false });
  const first = (await handleCheckRequest({ id: 3, type: 'check', includeLive: true })) as CheckSummary;
  t.equal(first.report.inSync, true, 'the proxy runs what is declared');
  const cluster = gateway.clusters[0]!;
  t.equal(first.live?.set.resources.get(`cluster/${cluster['name']}`)?.value, undefined, 'an agreeing cluster is kept as a hash alone');

  const declared = gateway.clusters.map((c, i) => (i === 0 ? { ...c, connect_timeout: '7s' } : c));
  writeFileSync(join(gateway.declared, 'cds.yaml'), stringify({ resources: declared.map((c) => ({ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...c })) }));
  await handleCheckRequest({ id: 4, type: 'load', path: gateway.declared, remediation: false });
  const second = (await handleCheckRequest({ id: 5, type: 'check', includeLive: false, runtimeOnly: true })) as CheckSummary;
  t.notOk(second.runtimeOnly, 'not answered from the last reading');
  t.match(second.report.drift, [{ kind: 'modified', resourceType: 'cluster', name: cluster['name'], paths: [{ path: '/connect_timeout', declared: '7s' }] }], 'the changed field is named');

  const third = (await handleCheckRequest({ id: 6, type: 'check', includeLive: false, runtimeOnly: true })) as CheckSummary;
  t.equal(third.runtimeOnly, true, 'with the trees it needs, a runtime-only check reuses the reading');
  t.same(third.report.drift.map((d) => d.paths), second.report.drift.map((d) => d.paths), 'and reports the same paths');
});

/*
 * Beside a large declaration the engine keeps the declared tree of every
 * resource the proxy agrees with as text (declared-trees.ts): a resource that
 * starts to drift afterwards must still get its field paths, from its tree
 * taken back from that text.
 */
t.test('a large declaration: a cluster that starts to drift after its tree was kept as text is still named down to the field', async (t) => {
  const dir = workdir(t);
  const runtime = Object.fromEntries(Array.from({ length: PRUNE_FROM_RESOURCES }, (_, i) => [`feature.k${i}`, i]));
  const clusters = ['a', 'b'].map((name) => ({ name, connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: name, endpoints: [] } }));
  const cds = (list: object[]) => stringify({ resources: list.map((c) => ({ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...c })) });
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    layered_runtime: { layers: [{ name: 'static', static_layer: runtime }, { name: 'admin', admin_layer: {} }] },
    dynamic_resources: { cds_config: { path_config_source: { path: join(dir, 'cds.yaml') }, resource_api_version: 'V3' } },
  };
  mkdirSync(join(dir, 'declared'));
  for (const folder of [dir, join(dir, 'declared')]) {
    writeFileSync(join(folder, 'envoy.yaml'), stringify(bootstrap));
    writeFileSync(join(folder, 'cds.yaml'), cds(clusters));
  }
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());
  await handleCheckRequest({ id: 1, type: 'init', admin: envoy.admin, timeoutMs: 10_000, warmingGraceMs: 60_000, defaultRemediation: 'observe' });
  await handleCheckRequest({ id: 2, type: 'load', path: join(dir, 'declared'), remediation: false });
  t.equal(((await handleCheckRequest({ id: 3, type: 'check', includeLive: false })) as CheckSummary).report.inSync, true, 'in sync: the trees of the agreeing resources are kept as text');

  writeFileSync(join(dir, 'cds.next'), cds([{ ...clusters[0], connect_timeout: '7s' }, clusters[1]!]));
  renameSync(join(dir, 'cds.next'), join(dir, 'cds.yaml'));
  const drifted = await eventually(async () => {
    const summary = (await handleCheckRequest({ id: 4, type: 'check', includeLive: false })) as CheckSummary;
    return summary.report.drift.length > 0 ? summary : undefined;
  }, 'Envoy to apply the changed CDS file', 10_000);
  t.match(drifted.report.drift, [{ kind: 'modified', resourceType: 'cluster', name: 'a', paths: [{ path: '/connect_timeout', declared: '1s', live: '7s' }] }], 'the changed field is named');
});
