import t from 'tap';
import { compare } from '../../../src/compare/compare.js';
import type { DeclaredSnapshot } from '../../../src/declared/load-declared.js';
import { startEnvoy } from '../../helpers/envoy.js';
import { grpcCluster } from '../../helpers/grpc-cluster.js';
import { declare, harness } from './harness.js';
import { eventually } from '../../helpers/eventually.js';

/*
 * xDS server mode against a real Envoy: the agent is the proxy's ADS server.
 * A declaration that moved on is drift until it is pushed; the revert is a
 * push under a new version, answered by an ACK, or by a NACK that fails it.
 * Both state of the world (GRPC) and incremental (DELTA_GRPC).
 */
const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };

function cluster(name: string, timeout: string): Record<string, unknown> {
  return {
    '@type': CLUSTER,
    name,
    connect_timeout: timeout,
    type: 'STATIC',
    circuit_breakers: { thresholds: [{ max_connections: 100 }] },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } }] }] },
  };
}

function routes(timeout: string): Record<string, unknown> {
  return {
    '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
    name: 'routes',
    virtual_hosts: [{ name: 'payments', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'payments', timeout } }] }],
  };
}

/** Routes over RDS, so the route configuration is a resource of its own. */
const listener = {
  '@type': LISTENER,
  name: 'ingress',
  address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  filter_chains: [{
    filters: [{
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        '@type': HCM,
        stat_prefix: 'ingress',
        rds: { route_config_name: 'routes', config_source: ADS_SOURCE },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
      },
    }],
  }],
};

function bootstrap(port: number, apiType: string): Record<string, unknown> {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    dynamic_resources: {
      ads_config: { api_type: apiType, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'ads' } }] },
      lds_config: { ads: {}, resource_api_version: 'V3' },
      cds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [grpcCluster('ads', '127.0.0.1', port)],
    },
  };
}

for (const apiType of ['GRPC', 'DELTA_GRPC']) {
  t.test(`${apiType}: serve, revert by push, NACK reported as failed`, async (t) => {
    const xds = (timeout: string, routeTimeout = '2.5s') => ({
      'lds.yaml': { resources: [listener] },
      'rds.yaml': { resources: [routes(routeTimeout)] },
      'cds.yaml': { resources: [cluster('payments', timeout), cluster('catalog', '1s')] },
    });
    const first = await declare(t, xds('1s'));
    // The proxy's bootstrap needs the server's port, so the server starts first;
    // this agent reverts over ADS only, so its admin client is never used.
    const agent = harness({ admin: 'http://127.0.0.1:1', declared: first.declared, config: { ads: { listen: '127.0.0.1:0', ackTimeoutMs: 5000 } } });
    const started = await agent.remediator.startAds(first.declared);
    if (!started.ok) throw started.error;
    const port = Number(started.value.split(':').pop());
    t.ok(port > 0, `listening on ${started.value}`);
    const envoy = await startEnvoy({ config: bootstrap(port, apiType) });
    t.teardown(() => envoy.stop());

    const withBootstrap = async (timeout: string, routeTimeout?: string): Promise<DeclaredSnapshot> => {
      const loaded = await declare(t, { ...xds(timeout, routeTimeout), 'envoy.yaml': bootstrap(port, apiType) });
      return loaded.declared;
    };
    const v1 = await withBootstrap('1s');
    // Reads the proxy, as the agent's check does.
    const h = harness({ admin: envoy.admin, declared: v1 });
    t.teardown(() => h.close());
    const live = await h.check().then((i) => i.live);
    t.ok(compare(v1, live).inSync, 'the proxy runs what the server serves');

    const v2 = await withBootstrap('4s', '9s');
    const drifted = compare(v2, live);
    t.same(
      drifted.drift.map((d) => `${d.service} ${d.kind} ${d.resourceType}/${d.name}`),
      ['payments modified cluster/payments', 'payments modified virtual_host/routes/payments'],
      'the new declaration is drift until pushed',
    );
    const events = agent.events;
    await agent.remediator.handle({ report: drifted, declared: v2, live, snapshotValid: true });
    t.same(events.map((e) => e.type), ['remediation.applied']);
    t.equal(events[0]!.mechanism, 'ads');
    t.match(events[0]!.detail, /pushed version envoy-drift-\d+-\d+; ACKed/);
    const after = await eventually(async () => compare(v2, (await h.check()).live), "Envoy's config dump back in sync", { timeoutMs: 10_000, until: (report) => report.inSync });
    t.ok(after.inSync, "Envoy's config dump matches the declaration again");
    agent.remediator.verify({ report: after, declared: v2, live, snapshotValid: true });
    t.same(events.map((e) => e.type), ['remediation.applied', 'remediation.verified']);

    const dump = await h.client.configDump();
    const v3 = await withBootstrap('-1s', '9s');
    const live2 = (await h.check()).live;
    await agent.remediator.handle({ report: compare(v3, live2), declared: v3, live: live2, snapshotValid: true });
    t.same(events.map((e) => e.type), ['remediation.applied', 'remediation.verified', 'remediation.failed'], 'the NACKed push failed');
    t.match(events[2]!.detail, /ads: version envoy-drift-\d+-\d+ of type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster was NACKed: .*positive duration/);
    const kept = (await h.client.configDump()) as { configs: unknown[] };
    const clusters = (d: unknown) => JSON.stringify((d as { configs: Array<{ dynamic_active_clusters?: Array<{ cluster: unknown }> }> }).configs.map((c) => c.dynamic_active_clusters?.map((a) => a.cluster)));
    t.equal(clusters(kept), clusters(dump), 'the proxy kept the config it had');
    await agent.close();
  });
}
