import t from 'tap';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { nextVersion } from '../../../src/remediation/mechanisms/filesystem-xds.js';
import { startEnvoy } from '../../helpers/envoy.js';
import { declare, harness } from './harness.js';
import { eventually } from '../../helpers/eventually.js';
import { workdir } from '../../helpers/workdir.js';

/*
 * Filesystem xDS against a real Envoy: listeners and clusters come from
 * files Envoy watches; a revert writes the declared resources back to those
 * files, atomically, and Envoy reloads them.
 */
type Doc = { version_info?: string; resources: Array<Record<string, unknown>> };

const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function cluster(name: string, timeout = '1s'): Record<string, unknown> {
  return {
    '@type': CLUSTER,
    name,
    connect_timeout: timeout,
    type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } }] }] },
  };
}

function listener(statPrefix = 'ingress'): Record<string, unknown> {
  return {
    '@type': LISTENER,
    name: 'ingress',
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': HCM,
          stat_prefix: statPrefix,
          route_config: {
            name: 'routes',
            virtual_hosts: [{ name: 'payments', domains: ['payments.example.com'], routes: [{ match: { prefix: '/api' }, route: { cluster: 'payments' } }] }],
          },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
        },
      }],
    }],
  };
}

const declaredLds: Doc = { version_info: '1', resources: [listener()] };
const declaredCds: Doc = { version_info: '1', resources: [cluster('payments'), cluster('catalog')] };

const work = workdir(t, 'envoy-drift-fs-xds-');
const lds = join(work, 'lds.yaml');
const cds = join(work, 'cds.yaml');

/** As an operator or a script would change it: a whole new file moved into place. */
async function put(path: string, doc: Doc): Promise<void> {
  await writeFile(`${path}.new`, stringify(doc));
  await rename(`${path}.new`, path);
}

await put(lds, declaredLds);
await put(cds, declaredCds);
const envoy = await startEnvoy({
  config: {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: {
      lds_config: { path_config_source: { path: lds }, resource_api_version: 'V3' },
      cds_config: { path_config_source: { path: cds }, resource_api_version: 'V3' },
    },
  },
});
const { declared } = await declare(t, { 'lds.yaml': declaredLds, 'cds.yaml': declaredCds });
t.teardown(() => envoy.stop());

t.test('a drifted cluster, an added cluster and a changed listener are written back and Envoy reloads them', async (t) => {
  const h = harness({ admin: envoy.admin, declared });
  t.teardown(() => h.close());
  t.ok((await h.check()).report.inSync, 'in sync at the start');
  await put(cds, { version_info: '7', resources: [cluster('payments', '9s'), cluster('catalog'), cluster('rogue')] });
  await put(lds, { version_info: '7', resources: [listener('changed-by-hand')] });
  // Both files reloaded: the drift names the changed cluster, the new cluster and the listener.
  const wanted = ['cluster/payments', 'cluster/rogue', 'listener/ingress'];
  const seen = await eventually(async () => (await h.check()).report.drift.map((d) => `${d.resourceType}/${d.name}`), `drift on ${wanted.join(', ')}`, { timeoutMs: 10_000, until: (keys) => wanted.every((k) => keys.includes(k)) });
  t.same(seen.sort(), wanted, 'the drift is seen');
  await h.remediator.handle(await h.check());
  const applied = h.events.filter((e) => e.type === 'remediation.applied');
  t.ok(applied.length >= 1);
  t.ok(applied.every((e) => e.mechanism === 'filesystem'));
  t.same(h.events.filter((e) => e.type !== 'remediation.applied'), [], 'nothing but applied so far');
  const after = await h.waitForSync(true);
  t.ok(after.report.inSync, "Envoy's config dump matches the declaration again");
  h.remediator.verify(after);
  t.same(h.types().filter((e) => e !== 'remediation.applied'), h.types().filter((e) => e === 'remediation.verified'));
  t.equal(h.types().filter((e) => e === 'remediation.verified').length, applied.length, 'every applied remediation verified');
  t.same(h.types().slice(0, applied.length), applied.map(() => 'remediation.applied'), 'applied before verified');
  const written = parse(await readFile(cds, 'utf8')) as Doc;
  t.ok(Number(written.version_info) > 7, `version_info bumped (${written.version_info})`);
  t.same(written.resources.map((r) => r['name']), ['catalog', 'payments'], 'the declared clusters, nothing else');
  t.same((await readdir(work)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');
});

t.test('dry run writes nothing', async (t) => {
  const h = harness({ admin: envoy.admin, declared, dryRun: true });
  t.teardown(() => h.close());
  await put(cds, { version_info: '20', resources: [cluster('payments', '5s'), cluster('catalog')] });
  await h.waitForSync(false);
  const file = await readFile(cds, 'utf8');
  const dump = await h.client.configDump();
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.applied']);
  t.ok(h.events[0]!.dryRun);
  t.match(h.events[0]!.detail, /would write 2 declared cluster\(s\) to .*cds\.yaml/);
  t.equal(await readFile(cds, 'utf8'), file, 'the file is unchanged');
  t.same(await h.client.configDump(), dump, 'the config dump is unchanged');
  await put(cds, declaredCds);
  await h.waitForSync(true);
});

t.test('version_info: integers go up by one, anything else becomes a new time-based version', async (t) => {
  const now = new Date('2026-01-01T00:00:00Z');
  t.equal(nextVersion('41', now), '42');
  t.equal(nextVersion('99999999999999999999', now), '100000000000000000000');
  t.equal(nextVersion('v3-abc', now), `envoy-drift-${now.getTime()}`);
  t.equal(nextVersion(undefined, now), `envoy-drift-${now.getTime()}`);
});
