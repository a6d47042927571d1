import t from 'tap';
import fc from 'fast-check';
import { Canonicalizer } from '../../src/canonical/canonicalize.js';
import { canonicalStringify, type JsonValue } from '../../src/canonical/canonical-json.js';
import { hashValue } from '../../src/canonical/hash.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const canonicalizer = new Canonicalizer(envoyRegistry());

function canonical(type: string, value: unknown): JsonValue {
  const result = canonicalizer.canonicalize(type, value);
  if (!result.ok) throw result.error;
  return result.value;
}

const base = {
  name: 'payments',
  connect_timeout: '1s',
  type: 'STRICT_DNS',
  lb_policy: 'LEAST_REQUEST',
  per_connection_buffer_limit_bytes: 32768,
  circuit_breakers: { thresholds: [{ priority: 'HIGH', max_connections: 100 }] },
  load_assignment: {
    cluster_name: 'payments',
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'payments.internal', port_value: 8443 } } } }] }],
  },
};

t.test('proto3 JSON spellings of one cluster are one canonical form', async (t) => {
  const spelled = {
    loadAssignment: {
      endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { portValue: '8443', address: 'payments.internal' } } } }] }],
      clusterName: 'payments',
    },
    circuitBreakers: { thresholds: [{ maxConnections: { value: '100' }, priority: 1 }] },
    perConnectionBufferLimitBytes: '32768',
    lbPolicy: 1,
    type: 1,
    connectTimeout: '1.000s',
    name: 'payments',
    // Fields at their proto3 default are the same as absent.
    respect_dns_ttl: false,
    alt_stat_name: '',
  };
  t.equal(canonicalStringify(canonical(CLUSTER, spelled)), canonicalStringify(canonical(CLUSTER, base)));
});

t.test('Any is unpacked by @type, whatever the URL prefix', async (t) => {
  const a = canonical(CLUSTER, { name: 'c', transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'x' } } });
  const b = canonical(CLUSTER, { name: 'c', transportSocket: { name: 'tls', typedConfig: { sni: 'x', '@type': 'example.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext' } } });
  t.equal(canonicalStringify(a), canonicalStringify(b));
});

t.test('an unknown field or type is kept and counted, never dropped', async (t) => {
  const local = new Canonicalizer(envoyRegistry());
  const result = local.canonicalize(CLUSTER, {
    name: 'c',
    brand_new_field: { nested: 1 },
    transport_socket: { name: 'x', typed_config: { '@type': 'type.googleapis.com/acme.v1.Secret', level: 'v', key: 'v' } },
  });
  if (!result.ok) throw result.error;
  // Kept, but a field whose name looks like a secret is redacted even in an unknown type.
  t.match(result.value, { brand_new_field: { nested: 1 }, transport_socket: { typed_config: { '@type': 'type.googleapis.com/acme.v1.Secret', level: 'v', key: '[redacted]' } } });
  t.equal(local.stats.unknownFields, 1);
  t.same(Object.fromEntries(local.stats.unknownTypes), { 'acme.v1.Secret': 1 });
  const changed = local.canonicalize(CLUSTER, { name: 'c', brand_new_field: { nested: 2 } });
  if (!changed.ok) throw changed.error;
  t.not(hashValue(changed.value), hashValue({ ...(result.value as object), transport_socket: undefined } as unknown as JsonValue), 'an unknown field still takes part in the hash');
});

t.test('sensitive fields are redacted as Envoy prints them', async (t) => {
  const value = canonical('envoy.extensions.transport_sockets.tls.v3.Secret', {
    name: 's',
    tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: 'TOPSECRET' } },
  });
  t.match(value, { tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: '[redacted]' } } });
  t.notMatch(canonicalStringify(value), /TOPSECRET/);
});

t.test('a wrong field type is an error naming the field path', async (t) => {
  const result = canonicalizer.canonicalize(CLUSTER, { name: 'c', connect_timeout: 'soon' });
  t.match(result, { ok: false, error: { code: 'ED_SCHEMA', message: '/connect_timeout: "soon" is not a valid duration' } });
  const list = canonicalizer.canonicalize(CLUSTER, { name: 'c', load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { port_value: 'http' } } } }] }] } });
  t.match(list, { ok: false, error: { message: '/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address/port_value: "http" is not a valid uint32' } });
});

/** Key order and field spelling carry no meaning: shuffle both at every depth. */
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, rand)] as const);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries);
}

const durationArb = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 999 })).map(([s, ms]) => ({ s, ms }));

t.test('property: equal under key reordering and duration / number spellings', async (t) => {
  fc.assert(
    fc.property(durationArb, fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 2 ** 31 }), ({ s, ms }, maxConnections, seed) => {
      let state = seed;
      const rand = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      const plain = { ...base, connect_timeout: `${s}.${String(ms).padStart(3, '0')}s`, circuit_breakers: { thresholds: [{ max_connections: maxConnections }] } };
      const respelled = shuffleKeys({ ...base, connect_timeout: { seconds: s, nanos: ms * 1_000_000 }, circuit_breakers: { thresholds: [{ max_connections: String(maxConnections), priority: 'DEFAULT' }] } }, rand);
      return hashValue(canonical(CLUSTER, plain)) === hashValue(canonical(CLUSTER, respelled));
    }),
    { numRuns: 200 },
  );
  t.pass('200 runs');
});

t.test('property: any real value change changes the hash', async (t) => {
  fc.assert(
    fc.property(
      fc.record({ port: fc.integer({ min: 1, max: 65_535 }), maxConnections: fc.integer({ min: 1, max: 1_000_000 }), address: fc.domain(), timeoutMs: fc.integer({ min: 1, max: 100_000 }) }),
      fc.constantFrom('port', 'maxConnections', 'address', 'timeoutMs'),
      (values, field) => {
        const build = (v: typeof values) => ({
          ...base,
          connect_timeout: `${v.timeoutMs / 1000}s`,
          circuit_breakers: { thresholds: [{ max_connections: v.maxConnections }] },
          load_assignment: { cluster_name: 'payments', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: v.address, port_value: v.port } } } }] }] },
        });
        const changed = { ...values };
        if (field === 'address') changed.address = `x${values.address}`;
        else changed[field] = values[field] + 1;
        return hashValue(canonical(CLUSTER, build(values))) !== hashValue(canonical(CLUSTER, build(changed)));
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 runs');
});
