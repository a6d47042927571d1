import t from 'tap';
import { assessSeverity } from '../../src/compare/security-rules.js';

const authz = { name: 'envoy.filters.http.ext_authz', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', failure_mode_allow: false } };

t.test('ext_authz failing open is critical', async (t) => {
  const declared = { http_filters: [authz] };
  const live = { http_filters: [{ ...authz, typed_config: { ...authz.typed_config, failure_mode_allow: true } }] };
  const verdict = assessSeverity({ kind: 'modified', resourceType: 'listener', declared, live, paths: [{ path: '/http_filters/0/typed_config/failure_mode_allow', declared: false, live: true }] });
  t.equal(verdict.severity, 'critical');
  t.match(verdict.reasons, ['ext_authz fails open']);
});

t.test('a removed TLS context is critical, a changed SNI only high', async (t) => {
  const tls = { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'a' } };
  t.equal(assessSeverity({ kind: 'modified', resourceType: 'cluster', declared: { transport_socket: tls }, live: {}, paths: [{ path: '/transport_socket', declared: tls }] }).severity, 'critical');
  const sni = assessSeverity({
    kind: 'modified',
    resourceType: 'cluster',
    declared: { transport_socket: tls },
    live: { transport_socket: { ...tls, typed_config: { ...tls.typed_config, sni: 'b' } } },
    paths: [{ path: '/transport_socket/typed_config/sni', declared: 'a', live: 'b' }],
  });
  t.equal(sni.severity, 'high');
});

t.test('plain changes keep their base severity', async (t) => {
  t.equal(assessSeverity({ kind: 'modified', resourceType: 'cluster', declared: { lb_policy: 'A' }, live: { lb_policy: 'B' }, paths: [{ path: '/lb_policy', declared: 'A', live: 'B' }] }).severity, 'medium');
  t.equal(assessSeverity({ kind: 'removed', resourceType: 'cluster', declared: { name: 'x' }, paths: [] }).severity, 'high');
  t.equal(assessSeverity({ kind: 'added', resourceType: 'listener', live: { name: 'x' }, paths: [] }).severity, 'critical');
});

t.test('a route to a cluster the declaration lacks is critical', async (t) => {
  const verdict = assessSeverity({
    kind: 'modified',
    resourceType: 'virtual_host',
    declared: { routes: [{ route: { cluster: 'a' } }] },
    live: { routes: [{ route: { weighted_clusters: { clusters: [{ name: 'a' }, { name: 'evil' }] } } }] },
    paths: [{ path: '/routes/0/route' }],
    declaredClusters: new Set(['a']),
  });
  t.equal(verdict.severity, 'critical');
  t.match(verdict.reasons, [/undeclared cluster evil/]);
});
