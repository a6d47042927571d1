import type { TestPki } from './certs.js';
import type { NewField } from './new-fields.js';

/**
 * A bootstrap holding a cluster and a listener with every new field set
 * (`nf-set`) and a twin of each without them (`nf-default`), for
 * test/e2e/new-fields.test.ts. SLOTS says where each message sits.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = Record<string, any>;

export const TYPES = {
  upstreamTls: 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  downstreamTls: 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamHttp: 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  hcm: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  router: 'envoy.extensions.filters.http.router.v3.Router',
};

const ROUTE_CONFIG = '/filter_chains/0/filters/0/typed_config/route_config';

/** Where each message sits: the resource holding it and the JSON path inside that resource. */
export const SLOTS: Record<string, { resource: 'cluster' | 'listener'; path: string }> = {
  'envoy.config.cluster.v3.Cluster': { resource: 'cluster', path: '' },
  [TYPES.upstreamTls]: { resource: 'cluster', path: '/transport_socket/typed_config' },
  'envoy.extensions.transport_sockets.tls.v3.CommonTlsContext': { resource: 'cluster', path: '/transport_socket/typed_config/common_tls_context' },
  [TYPES.upstreamHttp]: { resource: 'cluster', path: `/typed_extension_protocol_options/${TYPES.upstreamHttp}` },
  'envoy.config.listener.v3.Listener': { resource: 'listener', path: '' },
  [TYPES.downstreamTls]: { resource: 'listener', path: '/filter_chains/0/transport_socket/typed_config' },
  [TYPES.hcm]: { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config' },
  'envoy.config.core.v3.HttpProtocolOptions': { resource: 'cluster', path: `/typed_extension_protocol_options/${TYPES.upstreamHttp}/common_http_protocol_options` },
  'envoy.config.core.v3.Http1ProtocolOptions': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/http_protocol_options' },
  'envoy.config.core.v3.Http2ProtocolOptions': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/http2_protocol_options' },
  'envoy.config.route.v3.RouteConfiguration': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/route_config' },
  'envoy.config.route.v3.VirtualHost': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/route_config/virtual_hosts/0' },
  'envoy.config.route.v3.Route': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/route_config/virtual_hosts/0/routes/0' },
  'envoy.config.route.v3.RouteAction': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/route_config/virtual_hosts/0/routes/0/route' },
  // Messages a level down, where the API gained enum fields.
  'envoy.config.route.v3.RateLimit': { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/route_config/virtual_hosts/0/rate_limits/0' },
  [`${TYPES.hcm}.SetCurrentClientCertDetails`]: { resource: 'listener', path: '/filter_chains/0/filters/0/typed_config/set_current_client_cert_details' },
  'envoy.extensions.transport_sockets.tls.v3.TlsParameters': { resource: 'cluster', path: '/transport_socket/typed_config/common_tls_context/tls_params' },
};

function cluster(name: string, pki: TestPki): Json {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 9 } } } }] }] },
    transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': `type.googleapis.com/${TYPES.upstreamTls}`, sni: 'localhost', common_tls_context: { alpn_protocols: ['h2'], tls_params: { tls_maximum_protocol_version: 'TLSv1_3' }, validation_context: { trusted_ca: { filename: pki.caCert } } } } },
    typed_extension_protocol_options: { [TYPES.upstreamHttp]: { '@type': `type.googleapis.com/${TYPES.upstreamHttp}`, common_http_protocol_options: { idle_timeout: '30s' }, explicit_http_config: { http2_protocol_options: {} } } },
  };
}

function listener(name: string, pki: TestPki): Json {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': `type.googleapis.com/${TYPES.hcm}`,
          stat_prefix: name,
          max_request_headers_kb: 96,
          forward_client_cert_details: 'SANITIZE_SET',
          set_current_client_cert_details: { subject: true },
          common_http_protocol_options: { idle_timeout: '30s' },
          http_protocol_options: { accept_http_10: false },
          http2_protocol_options: { max_concurrent_streams: 100 },
          route_config: { name, virtual_hosts: [{ name: 'all', domains: ['*'], rate_limits: [{ actions: [{ remote_address: {} }] }], routes: [{ match: { prefix: '/' }, route: { cluster: 'nf-set', timeout: '5s' } }] }] },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': `type.googleapis.com/${TYPES.router}` } }],
        },
      }],
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': `type.googleapis.com/${TYPES.downstreamTls}`,
          common_tls_context: { tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }] },
        },
      },
    }],
  };
}

function at(resource: Json, path: string): Json {
  let node: any = resource;
  for (const segment of path.split('/').slice(1)) node = node[segment];
  return node as Json;
}

/**
 * Where a drift in the message is reported: an inline route configuration and
 * its virtual hosts are compared as resources of their own.
 */
export function reportedAt(message: string, field: string): { resourceType: string; name: string; path: string } {
  const slot = SLOTS[message]!;
  const host = `${ROUTE_CONFIG}/virtual_hosts/0`;
  if (slot.path.startsWith(host)) return { resourceType: 'virtual_host', name: 'nf-set:nf-set/all', path: `${slot.path.slice(host.length)}/${field}` };
  if (slot.path.startsWith(ROUTE_CONFIG)) return { resourceType: 'route_configuration', name: 'nf-set:nf-set', path: `${slot.path.slice(ROUTE_CONFIG.length)}/${field}` };
  return { resourceType: slot.resource, name: 'nf-set', path: `${slot.path}/${field}` };
}

export type Choice = (field: NewField) => { value: unknown } | undefined;

/** The bootstrap: `set` resources carry the new fields as `choose` spells them, `default` ones as `chooseDefault` does. */
export function bootstrap(fields: readonly NewField[], pki: TestPki, choose: Choice, chooseDefault: Choice = () => undefined): Json {
  const resources = { cluster: { set: cluster('nf-set', pki), default: cluster('nf-default', pki) }, listener: { set: listener('nf-set', pki), default: listener('nf-default', pki) } };
  for (const field of fields) {
    const slot = SLOTS[field.message]!;
    for (const side of ['set', 'default'] as const) {
      const chosen = side === 'set' ? choose(field) : chooseDefault(field);
      if (chosen !== undefined) at(resources[slot.resource][side], slot.path)[field.field] = chosen.value;
    }
  }
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { clusters: [resources.cluster.set, resources.cluster.default], listeners: [resources.listener.set, resources.listener.default] },
  };
}

export const live: Choice = (f) => (f.value === undefined ? undefined : { value: f.value });
