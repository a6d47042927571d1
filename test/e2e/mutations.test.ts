import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { checkJson } from '../helpers/cli.js';
import type { Drift } from '../../src/compare/drift.js';

/*
 * The mutation catalogue: each mutation is applied to a real Envoy (a restart
 * with a changed bootstrap, or an admin call), and `check` against the
 * unchanged declaration must name the right service, resource and field path.
 */

type Bootstrap = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const hcm = (b: Bootstrap) => b['static_resources'].listeners[0].filter_chains[0].filters[0].typed_config;
const vhost = (b: Bootstrap, name: string) => hcm(b).route_config.virtual_hosts.find((v: Bootstrap) => v['name'] === name);
const cluster = (b: Bootstrap, name: string) => b['static_resources'].clusters.find((c: Bootstrap) => c['name'] === name);
const filter = (b: Bootstrap, suffix: string) => hcm(b).http_filters.find((f: Bootstrap) => String(f['name']).endsWith(suffix));

interface Expectation {
  readonly service: string;
  readonly kind: Drift['kind'];
  readonly resource: string;
  /** Some reported path starts with this. */
  readonly path: string;
  readonly severity?: Drift['severity'];
}

interface Mutation {
  readonly name: string;
  readonly mutate?: (b: Bootstrap) => void;
  readonly admin?: string;
  readonly expect: Expectation;
}

const VH = 'virtual_host/ingress:ingress-routes/';
const HCM_PATH = '/filter_chains/0/filters/0/typed_config';

const catalogue: Mutation[] = [
  { name: 'route match', mutate: (b) => (vhost(b, 'payments').routes[1].match.prefix = '/apiv2'), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/1/match/prefix' } },
  { name: 'header match', mutate: (b) => (vhost(b, 'payments').routes[0].match.headers[0].string_match.exact = 'v3'), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/0/match/headers/0/string_match/exact' } },
  {
    name: 'weights',
    mutate: (b) => {
      const clusters = vhost(b, 'payments').routes[0].route.weighted_clusters.clusters;
      clusters[0].weight = 50;
      clusters[1].weight = 50;
    },
    expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/0/route/weighted_clusters/clusters/1/weight' },
  },
  { name: 'route timeout', mutate: (b) => (vhost(b, 'payments').routes[1].route.timeout = '30s'), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/1/route/timeout' } },
  { name: 'retry policy', mutate: (b) => (vhost(b, 'payments').routes[0].route.retry_policy.num_retries = 5), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/0/route/retry_policy/num_retries' } },
  { name: 'direct response', mutate: (b) => (vhost(b, 'payments').routes[2].direct_response.body.inline_string = 'hacked'), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/2/direct_response/body/inline_string' } },
  { name: 'domains', mutate: (b) => vhost(b, 'payments').domains.push('evil.example.com'), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/domains/1', severity: 'critical' } },
  {
    name: 'ext_authz per-route disabled',
    mutate: (b) => (vhost(b, 'catalog').routes[0].typed_per_filter_config['envoy.filters.http.ext_authz'] = { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute', disabled: true }),
    expect: { service: 'catalog', kind: 'modified', resource: `${VH}catalog`, path: '/routes/0/typed_per_filter_config/envoy.filters.http.ext_authz', severity: 'critical' },
  },
  {
    name: 'RBAC principals',
    mutate: (b) => (filter(b, 'rbac').typed_config.rules.policies['internal-only'].principals[0].remote_ip = { address_prefix: '0.0.0.0', prefix_len: 0 }),
    expect: { service: '_proxy', kind: 'modified', resource: 'listener/ingress', path: `${HCM_PATH}/http_filters/2/typed_config/rules/policies/internal-only/principals/0/remote_ip`, severity: 'critical' },
  },
  {
    name: 'CORS widened',
    mutate: (b) => vhost(b, 'payments').typed_per_filter_config['envoy.filters.http.cors'].allow_origin_string_match.push({ prefix: 'https://' }),
    expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/typed_per_filter_config/envoy.filters.http.cors/allow_origin_string_match/1', severity: 'critical' },
  },
  {
    name: 'HTTP filter removed',
    mutate: (b) => (hcm(b).http_filters = hcm(b).http_filters.filter((f: Bootstrap) => f['name'] !== 'envoy.filters.http.ext_authz')),
    expect: { service: '_proxy', kind: 'modified', resource: 'listener/ingress', path: `${HCM_PATH}/http_filters/1`, severity: 'critical' },
  },
  { name: 'codec', mutate: (b) => (hcm(b).codec_type = 'HTTP1'), expect: { service: '_proxy', kind: 'modified', resource: 'listener/ingress', path: `${HCM_PATH}/codec_type` } },
  { name: 'listener address', mutate: (b) => (b['static_resources'].listeners[0].address.socket_address.address = '127.0.0.2'), expect: { service: '_proxy', kind: 'modified', resource: 'listener/ingress', path: '/address/socket_address/address', severity: 'critical' } },
  { name: 'cluster lb policy', mutate: (b) => (cluster(b, 'payments').lb_policy = 'LEAST_REQUEST'), expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/lb_policy' } },
  {
    name: 'endpoints',
    mutate: (b) => (cluster(b, 'payments').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 18011),
    expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address/port_value' },
  },
  { name: 'circuit breakers', mutate: (b) => (cluster(b, 'payments').circuit_breakers.thresholds[0].max_connections = 1000), expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/circuit_breakers/thresholds/0/max_connections' } },
  { name: 'outlier detection', mutate: (b) => (cluster(b, 'payments').outlier_detection.consecutive_5xx = 50), expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/outlier_detection/consecutive_5xx' } },
  { name: 'health checks', mutate: (b) => (cluster(b, 'payments').health_checks[0].http_health_check.path = '/health'), expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/health_checks/0/http_health_check/path' } },
  { name: 'upstream TLS removed', mutate: (b) => delete cluster(b, 'payments').transport_socket, expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/transport_socket', severity: 'critical' } },
  {
    name: 'upstream TLS weakened',
    mutate: (b) => (cluster(b, 'payments').transport_socket.typed_config.common_tls_context.tls_params.tls_minimum_protocol_version = 'TLSv1_0'),
    expect: { service: 'payments', kind: 'modified', resource: 'cluster/payments', path: '/transport_socket/typed_config/common_tls_context/tls_params/tls_minimum_protocol_version', severity: 'critical' },
  },
  {
    name: 'protocol options',
    mutate: (b) => (cluster(b, 'catalog').typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config = { http2_protocol_options: {} }),
    expect: { service: 'catalog', kind: 'modified', resource: 'cluster/catalog', path: '/typed_extension_protocol_options/envoy.extensions.upstreams.http.v3.HttpProtocolOptions/explicit_http_config' },
  },
  {
    name: 'cluster added',
    mutate: (b) => b['static_resources'].clusters.push({ ...structuredClone(cluster(b, 'reports')), name: 'shadow', load_assignment: { cluster_name: 'shadow', endpoints: [] } }),
    expect: { service: 'shadow', kind: 'added', resource: 'cluster/shadow', path: '/' },
  },
  { name: 'cluster removed', mutate: (b) => (b['static_resources'].clusters = b['static_resources'].clusters.filter((c: Bootstrap) => c['name'] !== 'reports')), expect: { service: 'reports', kind: 'removed', resource: 'cluster/reports', path: '/', severity: 'high' } },
  { name: 'route added', mutate: (b) => vhost(b, 'payments').routes.push({ match: { prefix: '/admin' }, route: { cluster: 'reports' } }), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/3' } },
  { name: 'route removed', mutate: (b) => vhost(b, 'payments').routes.splice(2, 1), expect: { service: 'payments', kind: 'modified', resource: `${VH}payments`, path: '/routes/2' } },
  {
    name: 'route to an undeclared cluster',
    mutate: (b) => {
      b['static_resources'].clusters.push({ ...structuredClone(cluster(b, 'reports')), name: 'exfil', load_assignment: { cluster_name: 'exfil', endpoints: [] } });
      vhost(b, 'catalog').routes[1].route.cluster = 'exfil';
    },
    expect: { service: 'catalog', kind: 'modified', resource: `${VH}catalog`, path: '/routes/1/route/cluster', severity: 'critical' },
  },
  { name: 'static runtime value', mutate: (b) => (b['layered_runtime'].layers[0].static_layer.health_check.min_interval = 20), expect: { service: '_proxy', kind: 'modified', resource: 'runtime/health_check.min_interval', path: '/value' } },
  { name: 'admin runtime override', admin: '/runtime_modify?payments.feature_x.enabled=false', expect: { service: '_proxy', kind: 'modified', resource: 'runtime/payments.feature_x.enabled', path: '/admin_override' } },
  { name: 'admin runtime key added', admin: '/runtime_modify?upstream.use_http2=false', expect: { service: '_proxy', kind: 'added', resource: 'runtime/upstream.use_http2', path: '/' } },
];

let envoy: RunningEnvoy;
let declaredPath: string;

t.before(async () => {
  envoy = await startEnvoy({ config: gatewayBootstrap() });
  declaredPath = join(envoy.workDir, 'declared.yaml');
  await writeFile(declaredPath, stringify(gatewayBootstrap()));
});
t.teardown(() => envoy?.stop());

t.test('the unchanged proxy is in sync', async (t) => {
  const { code, report } = await checkJson(envoy.admin, declaredPath);
  t.equal(code, 0);
  t.same(report.drift, []);
  t.ok(report.services.some((s) => s.name === 'payments'));
});

t.test(`catalogue has at least 25 kinds of mutation (${catalogue.length})`, async (t) => {
  t.ok(catalogue.length >= 25);
});

for (const mutation of catalogue) {
  t.test(mutation.name, async (t) => {
    if (mutation.mutate) {
      const changed = gatewayBootstrap();
      mutation.mutate(changed);
      envoy = await envoy.restart(changed);
    } else {
      envoy = await envoy.restart(gatewayBootstrap());
      await adminPost(envoy.admin, mutation.admin!);
    }
    const { code, report } = await checkJson(envoy.admin, declaredPath);
    t.equal(code, 1, 'exit code 1 on drift');
    const { expect } = mutation;
    const hit = report.drift.find((d) => `${d.resourceType}/${d.name}` === expect.resource);
    t.ok(hit, `finding for ${expect.resource} among ${report.drift.map((d) => `${d.resourceType}/${d.name}`).join(', ')}`);
    if (!hit) return;
    t.equal(hit.service, expect.service, 'service');
    t.equal(hit.kind, expect.kind, 'kind');
    const paths = hit.paths.map((p) => p.path);
    t.ok(paths.some((p) => p.startsWith(expect.path)), `path ${expect.path} in ${paths.join(', ')}`);
    if (expect.severity) t.equal(hit.severity, expect.severity, `severity (${hit.reasons.join('; ')})`);
    t.notOk(report.inSync);
  });
}

t.test('undoing the change brings the proxy back in sync', async (t) => {
  envoy = await envoy.restart(gatewayBootstrap());
  const { code, report } = await checkJson(envoy.admin, declaredPath);
  t.equal(code, 0);
  t.same(report.drift, []);
});
