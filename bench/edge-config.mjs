// The realistic edge configuration the agent benchmarks run Envoy with:
// health-checked clusters with outlier detection and circuit breakers, routes
// over ten virtual hosts with retry policies; its stats move every second.
/** A cluster as an edge proxy has them: health checked, outlier detection, circuit breakers. */
export function cluster(i, connectTimeout = '1s') {
  return {
    name: `svc-${i}`,
    connect_timeout: connectTimeout,
    type: 'STATIC',
    circuit_breakers: { thresholds: [{ max_connections: 1000, max_retries: 3 }] },
    outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 },
    health_checks: [{ timeout: '1s', interval: '5s', unhealthy_threshold: 3, healthy_threshold: 1, no_traffic_interval: '60s', tcp_health_check: {} }],
    load_assignment: { cluster_name: `svc-${i}`, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 20000 + (i % 40000) } } } }] }] },
  };
}

/**
 * `clusters` clusters and as many routes over ten virtual hosts with retry
 * policies. With `cdsPath` the clusters come from a filesystem-xDS file.
 */
export function bootstrap({ clusters, adminPort = 0, upstreamPort, listenPort, cdsPath, routeTimeout = '15s' }) {
  const perHost = Math.ceil(clusters / 10);
  const virtual_hosts = Array.from({ length: 10 }, (_, h) => ({
    name: `vhost-${h}`,
    domains: h === 0 ? ['*'] : [`host-${h}.example.com`],
    retry_policy: { retry_on: '5xx,connect-failure', num_retries: 2, per_try_timeout: '2s' },
    routes: [
      ...Array.from({ length: perHost }, (_, r) => ({ match: { prefix: `/svc/${h * perHost + r}/` }, route: { cluster: `svc-${(h * perHost + r) % clusters}`, timeout: routeTimeout } })),
      ...(h === 0 ? [{ match: { prefix: '/' }, route: { cluster: 'upstream' } }] : []),
    ],
  }));
  const upstream = { name: 'upstream', connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] } };
  return {
    node: { id: 'bench', cluster: 'bench' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    // Histograms (the admin's request time, read by the bench) are latched at each flush.
    stats_flush_interval: '1s',
    layered_runtime: { layers: [{ name: 'static', static_layer: { bench: { flag: 0 } } }, { name: 'admin', admin_layer: {} }] },
    ...(cdsPath ? { dynamic_resources: { cds_config: { path_config_source: { path: cdsPath }, resource_api_version: 'V3' } } } : {}),
    static_resources: {
      listeners: [{
        name: 'ingress',
        address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
        filter_chains: [{ filters: [{ name: 'hcm', typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: 'ingress',
          // Clusters from a CDS file are not known when the static listener is built.
          route_config: { name: 'routes', virtual_hosts, ...(cdsPath ? { validate_clusters: false } : {}) },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        } }] }],
      }],
      clusters: cdsPath ? [upstream] : [...Array.from({ length: clusters }, (_, i) => cluster(i)), upstream],
    },
  };
}

export function cdsFile(clusters, changed) {
  return JSON.stringify({ resources: Array.from({ length: clusters }, (_, i) => ({ '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', ...cluster(i, i === changed ? '7s' : '1s') })) });
}

