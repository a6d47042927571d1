import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import protobuf from 'protobufjs';
import { API_TYPES_DIR, readApiTypes } from '../../src/proto/api-types.js';
import { createRegistry, envoyRegistry } from '../../src/proto/envoy-registry.js';

const run = promisify(execFile);

function builtTypes(ns: protobuf.NamespaceBase): number {
  let count = 0;
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type || nested instanceof protobuf.Enum) count += 1;
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) count += builtTypes(nested);
  }
  return count;
}

t.test('the committed descriptor is the one its source record names', async (t) => {
  const source = JSON.parse(readFileSync(`${API_TYPES_DIR}source.json`, 'utf8')) as Record<string, unknown>;
  const text = readFileSync(`${API_TYPES_DIR}envoy-api.jsonl`, 'utf8');
  t.equal(createHash('sha256').update(text).digest('hex'), source['sha256'], 'checksum recorded beside it');
  t.equal(text.split('\n').length - 1, source['types']);
  t.match(source, { package: 'github.com/envoyproxy/go-control-plane/envoy', version: /^v1\.\d+\.\d+$/, envoyApi: /^1\.\d+$/ });
  // Re-derived from the module itself (Go fetches it, checked against sum.golang.org): byte for byte.
  const { stdout } = await run('node', ['scripts/api-types/refresh.mjs', '--check'], { timeout: 110_000 });
  t.match(stdout, /matches github\.com\/envoyproxy\/go-control-plane\/envoy@v1\.\d+\.\d+/);
});

t.test('types are built when used, not all at once', async (t) => {
  const api = readApiTypes();
  if (!api.ok) throw api.error;
  const registry = createRegistry(api.value);
  t.equal(builtTypes(registry.root), 0, 'nothing built on load');
  const cluster = registry.lookupType('type.googleapis.com/envoy.config.cluster.v3.Cluster');
  t.equal(cluster?.fullName, '.envoy.config.cluster.v3.Cluster', 'by type URL');
  const afterCluster = builtTypes(registry.root);
  t.ok(afterCluster > 10 && afterCluster < api.value.source.types / 5, `a cluster and its direct field types: ${afterCluster} of ${api.value.source.types}`);
  t.equal(registry.lookupType('envoy.config.cluster.v3.Cluster'), cluster, 'one object per type');
  const timeout = cluster!.fields['connect_timeout']!;
  t.equal(timeout.resolvedType?.fullName, '.google.protobuf.Duration', 'field types resolve across packages');
  t.equal(registry.lookupType('envoy.config.cluster.v3.Cluster.LbPolicy'), undefined, 'an enum is not a message type');
  t.ok(registry.hasType('envoy.config.cluster.v3.Cluster.LbPolicy'));
  t.equal(registry.lookupType('envoy.config.cluster.v3.Clustr'), undefined);
  t.notOk(registry.hasType('envoy.config.cluster.v3.Clustr'));
});

t.test('what the canonicaliser needs from the API survives the compact form', async (t) => {
  const registry = envoyRegistry();
  t.equal(registry.apiVersion, '1.40');
  const tls = registry.lookupType('envoy.extensions.transport_sockets.tls.v3.TlsCertificate')!;
  t.equal(tls.fields['private_key']?.options?.['(udpa.annotations.sensitive)'], true, 'sensitive fields are marked');
  const route = registry.lookupType('envoy.config.route.v3.RouteAction')!;
  t.ok(route.fields['cluster']?.partOf, 'oneof members have presence');
  const hcm = registry.lookupType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager')!;
  t.ok(hcm.fields['http_filters']?.repeated);
  const cluster = registry.lookupType('envoy.config.cluster.v3.Cluster')!;
  t.ok(cluster.fields['typed_extension_protocol_options'] instanceof protobuf.MapField, 'maps stay maps');
  const encoded = cluster.encode(cluster.fromObject({ name: 'a', connect_timeout: { seconds: 2 } })).finish();
  t.same(cluster.toObject(cluster.decode(encoded), { longs: Number }), { name: 'a', connect_timeout: { seconds: 2 } }, 'types encode and decode');
});
