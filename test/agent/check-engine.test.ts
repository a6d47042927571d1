import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { handleCheckRequest } from '../../src/agent/check-engine.js';
import type { CheckSummary } from '../../src/agent/check-protocol.js';
import { gatewayFromFiles } from '../fixtures/gateway-from-files.js';
import { startEnvoy } from '../helpers/envoy.js';
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
