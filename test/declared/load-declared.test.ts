import t from 'tap';
import { symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadDeclared } from '../../src/declared/load-declared.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { workdir } from '../helpers/workdir.js';

const registry = envoyRegistry();

function folder(t: { teardown(fn: () => unknown): void }): string {
  const dir = workdir(t, 'envoy-drift-declared-');
  return dir;
}

const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

t.test('a bootstrap declares listeners, routes, virtual hosts, clusters and runtime', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'envoy.yaml'), stringify(gatewayBootstrap()));
  const result = await loadDeclared(join(dir, 'envoy.yaml'), registry);
  if (!result.ok) throw result.error;
  const keys = [...result.value.set.resources.keys()];
  t.ok(keys.includes('listener/ingress'));
  t.ok(keys.includes('route_configuration/ingress:ingress-routes'));
  t.ok(keys.includes('virtual_host/ingress:ingress-routes/payments'));
  t.ok(keys.includes('cluster/payments'));
  t.ok(keys.includes('runtime/health_check.min_interval'));
  t.ok(keys.includes('bootstrap/bootstrap'));
});

t.test('xDS resource files, plain and wrapped in Resource, as filesystem xDS reads them', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'cds.yaml'), stringify({ resources: [{ '@type': CLUSTER_TYPE, name: 'a', connect_timeout: '1s' }] }));
  writeFileSync(join(dir, 'more.json'), JSON.stringify({ version_info: '7', resources: [{ '@type': 'type.googleapis.com/envoy.service.discovery.v3.Resource', name: 'b', resource: { '@type': CLUSTER_TYPE, name: 'b' } }] }));
  const result = await loadDeclared(dir, registry);
  if (!result.ok) throw result.error;
  t.same([...result.value.set.resources.keys()].sort(), ['cluster/a', 'cluster/b']);
  t.same([...result.value.set.coverage], ['cluster'], 'only clusters are covered');
});

t.test('a ConfigMap mount: ..data symlinks are followed once, dot entries skipped', async (t) => {
  const dir = folder(t);
  const data = join(dir, '..2026_11_26_10_00_00.123');
  mkdirSync(data);
  writeFileSync(join(data, 'cds.yaml'), stringify({ resources: [{ '@type': CLUSTER_TYPE, name: 'a' }] }));
  symlinkSync(data, join(dir, '..data'));
  symlinkSync(join('..data', 'cds.yaml'), join(dir, 'cds.yaml'));
  const result = await loadDeclared(dir, registry);
  if (!result.ok) throw result.error;
  t.same([...result.value.set.resources.keys()], ['cluster/a']);
});

const badInputs: Array<[string, (dir: string) => string, RegExp, string]> = [
  ['truncated YAML', (dir) => (writeFileSync(join(dir, 'b.yaml'), 'static_resources:\n  clusters:\n  - name: "a\n'), join(dir, 'b.yaml')), /b\.yaml:\d+:\d+: invalid YAML/, 'ED_PARSE'],
  ['invalid JSON', (dir) => (writeFileSync(join(dir, 'b.json'), '{"static_resources": {'), join(dir, 'b.json')), /b\.json: invalid JSON/, 'ED_PARSE'],
  ['an empty file', (dir) => (writeFileSync(join(dir, 'b.yaml'), '\n'), join(dir, 'b.yaml')), /b\.yaml: the file is empty/, 'ED_PARSE'],
  [
    'an unknown @type',
    (dir) => (writeFileSync(join(dir, 'x.yaml'), stringify({ resources: [{ '@type': 'type.googleapis.com/acme.v1.Gizmo', name: 'g' }] })), join(dir, 'x.yaml')),
    /x\.yaml: \/resources\/0\/@type: unknown resource type "type\.googleapis\.com\/acme\.v1\.Gizmo"/,
    'ED_UNKNOWN_RESOURCE_TYPE',
  ],
  [
    'a wrong field type',
    (dir) => (writeFileSync(join(dir, 'b.yaml'), stringify({ static_resources: { clusters: [{ name: 'a', connect_timeout: 'soon' }] } })), join(dir, 'b.yaml')),
    /b\.yaml: \/static_resources\/clusters\/0\/connect_timeout: "soon" is not a valid duration/,
    'ED_SCHEMA',
  ],
  ['a missing file', (dir) => join(dir, 'nope.yaml'), /nope\.yaml: no such file or folder/, 'ED_FILE_NOT_FOUND'],
  [
    'a duplicate resource',
    (dir) => (writeFileSync(join(dir, 'c.yaml'), stringify({ resources: [{ '@type': CLUSTER_TYPE, name: 'a' }, { '@type': CLUSTER_TYPE, name: 'a' }] })), join(dir, 'c.yaml')),
    /c\.yaml: \/resources\/1: cluster "a" is declared twice/,
    'ED_DUPLICATE_RESOURCE',
  ],
  [
    'a manifest with an unknown key',
    (dir) => {
      writeFileSync(join(dir, 'c.yaml'), stringify({ resources: [{ '@type': CLUSTER_TYPE, name: 'a' }] }));
      writeFileSync(join(dir, 'envoy-drift.yaml'), stringify({ apiVersion: 'envoy-drift/v1', kind: 'Manifest', services: [{ name: 'a', resources: ['cluster/a'], remediaton: 'revert' }] }));
      return dir;
    },
    /envoy-drift\.yaml: \/services\/0\/remediaton: unknown key$/,
    'ED_MANIFEST',
  ],
  [
    'an ignore rule without a reason',
    (dir) => {
      writeFileSync(join(dir, 'c.yaml'), stringify({ resources: [{ '@type': CLUSTER_TYPE, name: 'a' }] }));
      writeFileSync(join(dir, 'envoy-drift.yaml'), stringify({ apiVersion: 'envoy-drift/v1', kind: 'Manifest', ignore: [{ path: '/x' }] }));
      return dir;
    },
    /envoy-drift\.yaml: \/ignore\/0\/reason: is required$/,
    'ED_MANIFEST',
  ],
];

for (const [name, make, message, code] of badInputs) {
  t.test(`bad input: ${name}`, async (t) => {
    const path = make(folder(t));
    const result = await loadDeclared(path, registry);
    t.equal(result.ok, false);
    if (result.ok) return;
    t.equal(result.error.code, code);
    t.match(result.error.message, message);
    t.notMatch(result.error.message, /\n/, 'one line');
  });
}

t.test('bad input: a file over the size limit', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'big.yaml'), `# ${'x'.repeat(5000)}\nstatic_resources: {}\n`);
  const result = await loadDeclared(join(dir, 'big.yaml'), registry, { maxFileBytes: 1024 });
  t.match(result, { ok: false, error: { code: 'ED_FILE_TOO_LARGE', message: /big\.yaml: \d+ bytes is over the limit of 1024 bytes/ } });
});

t.test('a secret value is never echoed in an error', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 's.yaml'), stringify({ resources: [{ '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', name: 's', tls_certificate: { private_key: { inline_bytes: 'TOPSECRET!!' } } }] }));
  const result = await loadDeclared(dir, registry);
  t.equal(result.ok, false);
  if (!result.ok) t.notMatch(result.error.message, /TOPSECRET/);
});

t.test('the inline routes of a listener file are compared with the listener', async (t) => {
  const { compare } = await import('../../src/compare/compare.js');
  const listener = (timeout: string) => ({
    '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: 1 } },
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', stat_prefix: 's', route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timeout } }] }] } } }] }],
  });
  const before = folder(t);
  const after = folder(t);
  writeFileSync(join(before, 'lds.yaml'), stringify({ resources: [listener('1s')] }));
  writeFileSync(join(after, 'lds.yaml'), stringify({ resources: [listener('9s')] }));
  const [a, b] = await Promise.all([loadDeclared(before, registry), loadDeclared(after, registry)]);
  if (!a.ok || !b.ok) throw new Error('load failed');
  const report = compare(a.value, { proxy: { admin: 'after' }, set: b.value.set, notCompared: [] });
  t.match(report.drift, [{ resourceType: 'virtual_host', name: 'l:r/v', paths: [{ path: '/routes/0/route/timeout', declared: '1s', live: '9s' }] }]);
});
