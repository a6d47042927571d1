import t from 'tap';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkJson } from '../helpers/cli.js';
import { startEnvoy } from '../helpers/envoy.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * EDS declared as a filesystem-xDS file: the dump Envoy gives with
 * include_eds carries the defaults it filled in (weights, HEALTHY, empty
 * locality, overprovisioning factor) and must still be in sync; a real
 * endpoint change is found on the endpoint resource.
 */
const assignment = (ports: number[]) => ({
  resources: [
    {
      '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
      cluster_name: 'svc',
      endpoints: [{ lb_endpoints: ports.map((port, i) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, ...(i === 1 ? { load_balancing_weight: 5 } : {}) })) }],
    },
  ],
});

t.test('EDS from a file: in sync with its declaration, and an endpoint change is found', async (t) => {
  const dir = workdir(t, 'envoy-drift-eds-');
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      clusters: [{ name: 'svc', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { path_config_source: { path: join(dir, 'eds.yaml') }, resource_api_version: 'V3' } } }],
    },
  };
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  writeFileSync(join(dir, 'eds.yaml'), stringify(assignment([18080, 18081])));
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  writeFileSync(join(declared, 'envoy.yaml'), stringify(bootstrap));
  writeFileSync(join(declared, 'eds.yaml'), stringify(assignment([18080, 18081])));
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());

  const inSync = await checkJson(envoy.admin, declared);
  t.same(inSync.report.drift, [], 'Envoy-filled defaults are not drift');
  t.ok(inSync.report.coverage.compared.includes('endpoint'));

  writeFileSync(join(dir, 'eds.next'), stringify(assignment([18080, 18099])));
  renameSync(join(dir, 'eds.next'), join(dir, 'eds.yaml'));
  // Envoy picks the file up asynchronously; poll the check, not a clock.
  const drift = await eventually(() => checkJson(envoy.admin, declared), 'the endpoint drift', { timeoutMs: 5_000, until: (run) => !run.report.inSync });
  t.match(drift.report.drift, [{ service: 'svc', resourceType: 'endpoint', name: 'svc', paths: [{ path: '/endpoints/0/lb_endpoints/1/endpoint/address/socket_address/port_value', declared: 18081, live: 18099 }] }]);
});

t.test('a snapshot taken with --include-eds declares the EDS assignment and checks in sync', async (t) => {
  const dir = workdir(t, 'envoy-drift-eds-snap-');
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      clusters: [
        { name: 'svc', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { path_config_source: { path: join(dir, 'eds.yaml') }, resource_api_version: 'V3' } } },
        { name: 'inline', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'inline', endpoints: [] } },
      ],
    },
  };
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  writeFileSync(join(dir, 'eds.yaml'), stringify(assignment([18080, 18081])));
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());
  const { cli } = await import('../helpers/cli.js');
  const snapshot = await cli(['snapshot', '--admin', envoy.admin, '--out', join(dir, 'snap'), '--include-eds']);
  t.equal(snapshot.code, 0, snapshot.stderr);
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const endpoints = parse(readFileSync(join(dir, 'snap', 'endpoints.yaml'), 'utf8')) as { resources: Array<{ cluster_name: string }> };
  t.same(endpoints.resources.map((r) => r.cluster_name), ['svc'], 'the EDS assignment, not the inline one');
  const { report } = await checkJson(envoy.admin, join(dir, 'snap'));
  t.same(report.drift, []);
});
