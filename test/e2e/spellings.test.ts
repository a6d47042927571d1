import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { checkJson } from '../helpers/cli.js';
import { startEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A declaration written differently from what Envoy prints (durations,
 * enum numbers, numbers as strings, wrappers, camelCase, defaults spelled out,
 * key order) is in sync with the Envoy that runs the original.
 */

const ENUM_NUMBERS: Record<string, Record<string, number>> = {
  type: { STATIC: 0 },
  codec_type: { AUTO: 0 },
  lb_policy: { ROUND_ROBIN: 0, LEAST_REQUEST: 1 },
  tls_minimum_protocol_version: { TLSv1_2: 3 },
  action: { ALLOW: 0 },
  transport_api_version: { V3: 2 },
};
const WRAPPED = new Set(['max_connections', 'max_pending_requests', 'num_retries', 'weight', 'consecutive_5xx', 'healthy_threshold', 'unhealthy_threshold']);
const AS_STRING = new Set(['port_value', 'status', 'prefix_len']);

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Map fields: their keys are data, their values messages. */
const MAPS = new Set(['typed_per_filter_config', 'typed_extension_protocol_options', 'policies']);

function respell(value: unknown, key = '', inData = false, isMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => respell(v, key, inData));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).reverse().map(([k, v]) => {
      const data = inData || k === 'static_layer' || k === 'context_extensions';
      return [inData || isMap ? k : camel(k), respell(v, k, data, !inData && MAPS.has(k))] as const;
    });
    const out = Object.fromEntries(entries);
    if (!inData && key === '' && 'name' in out && 'connectTimeout' in out) Object.assign(out, { respectDnsTtl: false, altStatName: '' });
    if (!inData && 'thresholds' in out) (out['thresholds'] as Array<Record<string, unknown>>).forEach((th) => (th['priority'] = 'DEFAULT'));
    return out;
  }
  if (inData) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?s$/.test(value)) return `${Number(value.slice(0, -1)).toFixed(3)}s`;
  if (typeof value === 'string' && ENUM_NUMBERS[key]?.[value] !== undefined) return ENUM_NUMBERS[key]![value];
  if (typeof value === 'number' && WRAPPED.has(key)) return { value: String(value) };
  if (typeof value === 'number' && AS_STRING.has(key)) return String(value);
  return value;
}

t.test('equivalent spellings of the declaration are in sync', async (t) => {
  const dir = workdir(t, 'envoy-drift-spell-');
  const original = gatewayBootstrap();
  const clusters = (original['static_resources'] as { clusters: Array<Record<string, unknown>> }).clusters;
  const respelled = respell(original) as Record<string, unknown>;
  // The respelling really is different text.
  t.not(JSON.stringify(respelled), JSON.stringify(original));
  t.match(JSON.stringify(respelled), /"connectTimeout":"1\.000s"/);
  t.match(JSON.stringify(respelled), /"maxConnections":\{"value":"100"\}/);
  t.ok(clusters.length > 0);
  writeFileSync(join(dir, 'respelled.json'), JSON.stringify(respelled));
  const envoy = await startEnvoy({ config: original });
  t.teardown(() => envoy.stop());
  const { code, report } = await checkJson(envoy.admin, join(dir, 'respelled.json'));
  t.same(report.drift, []);
  t.equal(code, 0);
  writeFileSync(join(dir, 'respelled.yaml'), stringify(respelled));
  const yaml = await checkJson(envoy.admin, join(dir, 'respelled.yaml'));
  t.same(yaml.report.drift, [], 'the same as YAML');
});

t.test("YAML booleans as Envoy's loader reads them (yes, on, n) are in sync", async (t) => {
  const dir = workdir(t, 'envoy-drift-yaml11-');
  const text = [
    'admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}',
    'layered_runtime:',
    '  layers:',
    '  - name: static',
    '    static_layer: {feature: {enabled: on, legacy: n}}',
    'static_resources:',
    '  clusters:',
    '  - name: a',
    '    connect_timeout: 1s',
    '    type: STRICT_DNS',
    '    respect_dns_ttl: yes',
    '    load_assignment: {cluster_name: a, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: localhost, port_value: 9}}}}]}]}',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'envoy.yaml'), text);
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml') });
  t.teardown(() => envoy.stop());
  const { code, report } = await checkJson(envoy.admin, join(dir, 'envoy.yaml'));
  t.same(report.drift, []);
  t.equal(code, 0);
});
