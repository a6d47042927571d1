import t from 'tap';
import { compare } from '../../src/compare/compare.js';
import { EMPTY_MANIFEST } from '../../src/declared/manifest.js';
import { liveStateFromDump } from '../../src/envoy-admin/live-state.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { ResourceSetBuilder } from '../../src/resources/resource-set.js';

/*
 * The live side of a one-shot check keeps no raw message and, of a resource
 * the declaration has with the same hash, only the hash: the comparison
 * must report exactly what it reports with every tree kept.
 */
const registry = envoyRegistry();
const NOW = new Date('2026-01-01T00:00:00Z');

const cluster = (name: string, timeout: string) => ({ name, connect_timeout: timeout, type: 'STATIC' });
const listener = (routeTimeout: string) => ({
  name: 'edge',
  address: { socket_address: { address: '127.0.0.1', port_value: 8080 } },
  filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'edge',
    route_config: { name: 'r', virtual_hosts: [{ name: 'api', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'a', timeout: routeTimeout } }] }, { name: 'web', domains: ['web'], routes: [] }] },
  } }] }],
});
const dump = (clusters: unknown[], listeners: unknown[]) => ({
  configs: [
    { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: clusters.map((c) => ({ cluster: c })) },
    { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', static_listeners: listeners.map((l) => ({ listener: l })) },
  ],
});

t.test('a live side kept as hashes where the declaration agrees reports the same drift', async (t) => {
  const builder = new ResourceSetBuilder(registry).cover('cluster', 'listener', 'route_configuration', 'virtual_host');
  builder.add('cluster', cluster('a', '1s'), 'declared');
  builder.add('cluster', cluster('b', '1s'), 'declared');
  builder.add('listener', listener('3s'), 'declared');
  const declared = { set: builder.build(), manifest: EMPTY_MANIFEST, sources: ['test'], hashesOnly: false };
  const answers = { dump: dump([cluster('a', '1s'), cluster('b', '5s'), cluster('c', '1s')], [listener('9s')]), admin: 'replay' };

  const full = liveStateFromDump(answers, registry);
  // As `check` reads it: an agreeing resource takes the declared hash (counterpart) instead of being hashed.
  const counterpart = (key: string) => declared.set.resources.get(key);
  const lean = liveStateFromDump(answers, registry, undefined, { sources: false, counterpart, value: (key, hash) => counterpart(key)?.hash !== hash });
  t.equal(lean.set.sources.size, 0, 'no raw message kept');
  t.equal(lean.set.resources.get('cluster/a')?.value, undefined, 'an agreeing resource: its hash only');
  t.equal(lean.set.resources.get('virtual_host/edge:r/web')?.value, undefined, 'an agreeing virtual host: its hash only');
  t.ok(lean.set.resources.get('cluster/b')?.value, 'a differing resource keeps its tree');
  t.ok(lean.set.resources.get('cluster/c')?.value, 'an undeclared resource keeps its tree');
  t.same([...lean.set.resources].map(([k, r]) => [k, r.hash]), [...full.set.resources].map(([k, r]) => [k, r.hash]), 'the same hashes');
  const report = compare(declared, lean, { now: NOW });
  t.same(report, compare(declared, full, { now: NOW }), 'the same report');
  t.same(report.drift.map((d) => `${d.resourceType}/${d.name}`).sort(), ['cluster/b', 'cluster/c', 'virtual_host/edge:r/api']);
});
