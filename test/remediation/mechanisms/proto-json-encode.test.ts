import t from 'tap';
import { envoyRegistry } from '../../../src/proto/envoy-registry.js';
import { encodeProtoJson } from '../../../src/remediation/mechanisms/proto-json-encode.js';

const registry = envoyRegistry();
const CLUSTER = 'envoy.config.cluster.v3.Cluster';

t.test('proto3 JSON spellings encode to the message Envoy would read', async (t) => {
  const json = {
    '@type': `type.googleapis.com/${CLUSTER}`,
    name: 'payments',
    connectTimeout: '0.250s',
    per_connection_buffer_limit_bytes: 32768,
    lb_policy: 'LEAST_REQUEST',
    metadata: { filter_metadata: { team: { owner: 'payments', tier: 1, tags: ['a'], on: true, none: null } } },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
  const encoded = encodeProtoJson(registry, CLUSTER, json);
  if (!encoded.ok) throw new Error(encoded.error);
  const type = registry.lookupType(CLUSTER)!;
  const decoded = type.toObject(type.decode(encoded.value), { longs: Number, enums: String, defaults: true }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.equal(decoded['name'], 'payments');
  t.same(decoded['connect_timeout'], { seconds: 0, nanos: 250_000_000 }, 'a duration string, camelCase field');
  t.same(decoded['per_connection_buffer_limit_bytes'], { value: 32768 }, 'a wrapper from a plain number');
  t.equal(decoded['lb_policy'], 'LEAST_REQUEST');
  const fields = decoded['metadata'].filter_metadata.team.fields;
  t.match(fields.owner, { string_value: 'payments' });
  t.match(fields.tier, { number_value: 1 });
  t.match(fields.on, { bool_value: true });
  t.match(fields.tags, { list_value: { values: [{ string_value: 'a' }] } });
  const any = decoded['typed_extension_protocol_options']['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
  t.equal(any.type_url, 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
  t.ok(any.value.length > 0, 'the Any carries the encoded inner message');
});

t.test('what cannot be encoded is one error naming the path', async (t) => {
  const unknown = encodeProtoJson(registry, CLUSTER, { name: 'x', conect_timeout: '1s' });
  t.same(unknown, { ok: false, error: '/conect_timeout: no such field in envoy.config.cluster.v3.Cluster' });
  const badDuration = encodeProtoJson(registry, CLUSTER, { name: 'x', connect_timeout: '1 second' });
  t.same(badDuration, { ok: false, error: '/connect_timeout: expected a duration such as "1.5s"' });
  const unknownAny = encodeProtoJson(registry, CLUSTER, { name: 'x', typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/acme.Nope' } } });
  t.same(unknownAny, { ok: false, error: '/typed_extension_protocol_options/x: type type.googleapis.com/acme.Nope is not in the Envoy API registry' });
});
