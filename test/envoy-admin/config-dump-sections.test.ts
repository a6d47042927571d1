import t from 'tap';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CanonicalCache } from '../../src/canonical/canonical-cache.js';
import { parseAdminAddress } from '../../src/envoy-admin/admin-address.js';
import { AdminClient } from '../../src/envoy-admin/admin-client.js';
import { clusterStamps, recheckSections, sectionRoots, sectionsMoved, type DumpSection, type SectionedLiveState } from '../../src/envoy-admin/config-dump-sections.js';
import { fetchAdminAnswers, liveStateFromDump, liveStateWithRuntime } from '../../src/envoy-admin/live-state.js';
import { pollStats, statChange, type StatValues } from '../../src/agent/stats-poller.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import type { ResourceSet } from '../../src/resources/resource-set.js';
import { startEnvoy } from '../helpers/envoy.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A re-check reads only the section whose subscription moved and keeps the
 * rest of the last full reading: after each kind of change (CDS, LDS, RDS
 * through filesystem xDS) the re-checked state must be the one a full reading
 * gives, and must differ from the state before the change.
 */

const registry = envoyRegistry();

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const cluster = (name: string, timeout = '1s'): Doc => ({
  name,
  connect_timeout: timeout,
  type: 'STATIC',
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 10001 } } } }] }] },
});
const listener = (dir: string, idle = '60s'): Doc => ({
  name: 'edge',
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'edge',
    stream_idle_timeout: idle,
    rds: { route_config_name: 'edge-routes', config_source: { path_config_source: { path: join(dir, 'rds.yaml') }, resource_api_version: 'V3' } },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
  } }] }],
});
const routes = (timeout = '3s'): Doc => ({
  name: 'edge-routes',
  virtual_hosts: [{ name: 'api', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'svc-a', timeout } }] }],
});
const xds = (type: string, list: Doc[]) => stringify({ resources: list.map((r) => ({ '@type': `type.googleapis.com/envoy.config.${type}`, ...r })) });

function write(dir: string, file: string, text: string): void {
  writeFileSync(join(dir, `${file}.next`), text);
  renameSync(join(dir, `${file}.next`), join(dir, file));
}

const hashes = (set: ResourceSet) => Object.fromEntries([...set.resources].map(([key, r]) => [key, r.hash]).sort());

t.test('the moved stats name a section, or none when anything else moved', async (t) => {
  t.same(sectionsMoved(['cluster_manager.cds.update_success', 'cluster_manager.cluster_modified']), ['clusters']);
  t.same(sectionsMoved(['listener_manager.lds.version', 'http.edge.rds.edge-routes.config_reload']), ['listeners', 'routes']);
  t.equal(sectionsMoved(['cluster_manager.cds.update_success', 'runtime.num_keys']), undefined);
  t.equal(sectionsMoved(['sds.cert.update_success']), undefined);
  t.equal(sectionsMoved(['server_info']), undefined);
  t.equal(sectionsMoved([]), undefined);
});

t.test('a CDS, LDS or RDS change re-read alone gives what a full reading gives', async (t) => {
  const dir = workdir(t);
  write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-a'), cluster('svc-b')]));
  write(dir, 'lds.yaml', xds('listener.v3.Listener', [listener(dir)]));
  write(dir, 'rds.yaml', xds('route.v3.RouteConfiguration', [routes()]));
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: {
      cds_config: { path_config_source: { path: join(dir, 'cds.yaml') }, resource_api_version: 'V3' },
      lds_config: { path_config_source: { path: join(dir, 'lds.yaml') }, resource_api_version: 'V3' },
    },
    static_resources: { clusters: [cluster('static-one')] },
    layered_runtime: { layers: [{ name: 'static', static_layer: { 'x.static': 1 } }, { name: 'admin', admin_layer: {} }] },
  };
  writeFileSync(join(dir, 'envoy.yaml'), stringify(bootstrap));
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());
  const address = parseAdminAddress(envoy.admin);
  if (!address.ok) throw address.error;
  const client = new AdminClient(address.value);
  t.teardown(() => client.close());
  const cache = new CanonicalCache();
  // The masks the re-checks ask for: a change in place needs no listing of every cluster's name.
  const masks: string[] = [];
  const configDump = client.configDump.bind(client);
  client.configDump = (query = {}) => {
    if (query.mask) masks.push(query.mask);
    return configDump(query);
  };

  const fullReading = async (): Promise<SectionedLiveState> => {
    const answers = await fetchAdminAnswers(client);
    return { live: liveStateFromDump(answers, registry, cache), roots: sectionRoots(answers.dump), clusterStamps: clusterStamps(answers.dump) };
  };
  let last = await fullReading();
  t.ok(last.live.set.resources.has('virtual_host/edge-routes/api'), 'RDS routes are read');
  let stats: StatValues = await pollStats(client);

  const cases: Array<[string, DumpSection, () => void, string]> = [
    ['a cluster changed (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-a', '7s'), cluster('svc-b')])), 'cluster/svc-a'],
    ['a cluster added (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-a', '7s'), cluster('svc-b'), cluster('svc.c+1')])), 'cluster/svc.c+1'],
    ['a cluster removed (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-a', '7s')])), 'cluster/svc-b'],
    // As many clusters as before: the places of the listing without names no longer match.
    ['a cluster replaced by another (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-0')])), 'cluster/svc-0'],
    ['a cluster added before the others (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-0'), cluster('svc-a', '2s')])), 'cluster/svc-a'],
    ['two clusters changed (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-0', '3s'), cluster('svc-a', '3s')])), 'cluster/svc-0'],
    ['one cluster removed and one added after it (CDS)', 'clusters', () => write(dir, 'cds.yaml', xds('cluster.v3.Cluster', [cluster('svc-a', '3s'), cluster('svc-z')])), 'cluster/svc-z'],
    ['a listener changed (LDS)', 'listeners', () => write(dir, 'lds.yaml', xds('listener.v3.Listener', [listener(dir, '90s')])), 'listener/edge'],
    ['a route changed (RDS)', 'routes', () => write(dir, 'rds.yaml', xds('route.v3.RouteConfiguration', [routes('9s')])), 'virtual_host/edge-routes/api'],
  ];
  for (const [what, section, change, key] of cases) {
    change();
    // What the agent's stats scan sees: the subscription's counters, and only them.
    const moved = await eventually(async () => {
      const now = await pollStats(client);
      const diff = statChange(stats, now, true);
      if (diff) stats = now;
      return diff;
    }, `${what}: the stats to move`, 20_000);
    t.same(sectionsMoved(moved.moved), [section], `${what}: the scan names the ${section}`);
    const hits = cache.hits;
    masks.length = 0;
    const rechecked = await recheckSections(client, [section], last, registry, cache);
    if (!rechecked) throw new Error(`${what}: not re-read alone`);
    if (section === 'clusters') t.equal(cache.hits, hits, `${what}: the unchanged clusters are not read again`);
    if (what.endsWith('changed (CDS)')) t.notOk(masks.some((m) => m.includes('cluster.name')), `${what}: no listing of names`);
    const full = await fullReading();
    t.same(hashes(rechecked.live.set), hashes(full.live.set), `${what}: the same resources as a full reading`);
    t.same([...rechecked.live.set.conditions], [...full.live.set.conditions], `${what}: the same conditions`);
    t.notSame(hashes(rechecked.live.set)[key], hashes(last.live.set)[key], `${what}: ${key} moved`);
    t.same([...rechecked.roots], [...full.roots], `${what}: the same section roots`);
    t.same([...(rechecked.clusterStamps ?? [])], [...(full.clusterStamps ?? [])], `${what}: the same cluster stamps`);
    t.same(rechecked.live.runtimeLayers, full.live.runtimeLayers, `${what}: the runtime layers stay known`);
    last = rechecked;
  }
  t.ok(last.live.set.resources.has('cluster/static-one'), 'the static cluster stays');
  // A runtime-only check starts from a re-checked state: it must still read the admin layer.
  await fetch(`${envoy.admin}/runtime_modify?x.flag=1`, { method: 'POST' });
  const withOverride = liveStateWithRuntime(last.live, await client.runtime(), registry);
  t.ok(withOverride.set.resources.has('runtime/x.flag'), 'an admin override after a section re-check is read by the runtime-only path');
});
