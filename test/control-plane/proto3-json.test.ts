import t from 'tap';
import { jsonToStruct, messageToJson } from '../../src/control-plane/proto3-json.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { encodeProtoJson } from '../../src/remediation/mechanisms/proto-json-encode.js';
import { ResourceSetBuilder } from '../../src/resources/resource-set.js';

/*
 * What the control plane sends is binary; what the proxy's admin prints is
 * proto3 JSON. Decoded here, both must land on the same canonical form, or
 * every resource would look modified.
 */

const registry = envoyRegistry();
const CLUSTER = 'envoy.config.cluster.v3.Cluster';

const cluster = {
  name: 'payments',
  type: 'STRICT_DNS',
  connect_timeout: '0.250s',
  per_connection_buffer_limit_bytes: 32768,
  metadata: { filter_metadata: { team: { owner: 'payments', tier: 1, paged: true, tags: ['a', 'b'], nested: { x: null } } } },
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
    },
  },
  circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 2048 }] },
  load_assignment: { cluster_name: 'payments', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'payments.internal', port_value: 8443 } } } }] }] },
};

function hashOf(raw: unknown): string {
  const builder = new ResourceSetBuilder(registry);
  const key = builder.add('cluster', raw, 'test');
  return builder.build().resources.get(key)!.hash;
}

t.test('a cluster decoded from the wire has the canonical form of its JSON', async (t) => {
  const encoded = encodeProtoJson(registry, CLUSTER, cluster);
  if (!encoded.ok) throw new Error(encoded.error);
  const type = registry.lookupType(CLUSTER)!;
  const json = messageToJson(type, type.decode(encoded.value), registry) as Record<string, unknown>;
  t.equal(json['connect_timeout'], '0.250000000s', 'a Duration as its JSON string');
  t.equal(json['per_connection_buffer_limit_bytes'], 32768, 'a wrapper as its bare value');
  t.same((json['metadata'] as { filter_metadata: Record<string, unknown> }).filter_metadata['team'], cluster.metadata.filter_metadata.team, 'a Struct as plain JSON');
  t.match(json['typed_extension_protocol_options'], { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': /HttpProtocolOptions$/, explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } } } }, 'an Any unpacked under @type');
  t.equal(json['type'], 'STRICT_DNS', 'an enum by name');
  t.equal(hashOf(json), hashOf(cluster));
});

t.test('an Any of a type the registry does not know keeps its bytes', async (t) => {
  const any = registry.lookupType('google.protobuf.Any')!;
  const json = messageToJson(any, any.decode(any.encode(any.fromObject({ type_url: 'type.googleapis.com/vendor.Unknown', value: Buffer.from([8, 1]) })).finish()), registry);
  t.same(json, { '@type': 'type.googleapis.com/vendor.Unknown', value: 'CAE=' });
});

t.test("the node's metadata goes out as a Struct that reads back the same", async (t) => {
  const metadata = { ISTIO_VERSION: '1.26.0', LABELS: { app: 'edge' }, replicas: 2, canary: false, tags: ['a'] };
  const struct = registry.lookupType('google.protobuf.Struct')!;
  const bytes = struct.encode(struct.fromObject(jsonToStruct(metadata, registry))).finish();
  t.same(messageToJson(struct, struct.decode(bytes), registry), metadata);
});
