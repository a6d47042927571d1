import t from 'tap';
import { parseSinksConfig, sinksSchema } from '../../src/sinks/sink-config.js';

t.test('a valid list of every sink type parses into frozen configs', async (t) => {
  const configs = parseSinksConfig([
    { name: 'syslog-tls', type: 'syslog', protocol: 'tls', host: 'siem.internal', port: 6514, caFile: '/etc/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', facility: 'audit' },
    { name: 'splunk', type: 'splunk_hec', url: 'https://splunk:8088', tokenFile: '/run/secrets/hec', index: 'security', ackTimeoutMs: 60000 },
    { name: 'es', type: 'elasticsearch', url: 'https://es:9200', index: 'envoy-drift', apiKeyFile: '/run/secrets/es' },
    { name: 'hook', type: 'webhook', url: 'https://hooks.internal/drift', secretFile: '/run/secrets/hook', format: 'json' },
    { name: 'out', type: 'stdout' },
    { name: 'file', type: 'file', path: '/var/log/drift.ndjson', batchSize: 50, backoff: { initialMs: 100, maxMs: 1000 } },
  ]);
  t.equal(configs.length, 6);
  t.ok(Object.isFrozen(configs) && configs.every(Object.isFrozen));
});

t.test('unknown keys, inline credentials and bad values are refused with the path', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[{ name: 'a', type: 'stdout', colour: true }], /^agent config: \/sinks\/0\/colour: unknown key$/],
    [[{ name: 'a', type: 'splunk_hec', url: 'https://s', token: 'abc' }], /^agent config: \/sinks\/0\/tokenFile: is required; \/sinks\/0\/token: unknown key$/],
    [[{ name: 'a', type: 'carrier_pigeon' }], /^agent config: \/sinks\/0\/type: must be one of syslog, splunk_hec/],
    [[{ name: 'a', type: 'syslog', protocol: 'tcp', host: 'h', port: 70000 }], /\/sinks\/0\/port: must be <= 65535/],
    [[{ name: 'Bad Name', type: 'stdout' }], /\/sinks\/0\/name: must match pattern/],
    [[{ name: 'a', type: 'stdout' }, { name: 'a', type: 'stdout' }], /\/sinks\/1\/name: "a" is used by another sink/],
    [[{ name: 'a', type: 'syslog', protocol: 'tcp', host: 'h', port: 514, caFile: '/ca' }], /\/sinks\/0: caFile, certFile, keyFile and serverName need protocol tls/],
    [[{ name: 'a', type: 'syslog', protocol: 'tls', host: 'h', port: 6514, certFile: '/c' }], /\/sinks\/0: certFile and keyFile go together/],
    [[{ name: 'a', type: 'elasticsearch', url: 'https://e', index: 'x', usernameFile: '/u' }], /\/sinks\/0: usernameFile and passwordFile go together/],
    [[{ name: 'a', type: 'file', path: '/p', backoff: { initialMs: 100, maxMs: 10 } }], /\/sinks\/0\/backoff\/maxMs: is below initialMs/],
    [[{ name: 'a', type: 'file', path: '/p', backoff: { initialMs: 100, maxMs: 1000, jitter: 'full' } }], /^agent config: \/sinks\/0\/backoff\/jitter: unknown key$/],
    [{ name: 'a' }, /^agent config: \/sinks: must be array$/],
  ];
  for (const [value, message] of cases) t.throws(() => parseSinksConfig(value), { code: 'ED_SINK_CONFIG', message }, String(message));
  t.throws(() => parseSinksConfig([{ name: 'a', type: 'stdout', colour: true }], 'agent.yaml'), { message: 'agent.yaml: /sinks/0/colour: unknown key' }, 'the origin is the config file');
});

t.test('the schema documents every property', async (t) => {
  const variants = sinksSchema.items.oneOf as unknown as Array<{ properties: Record<string, unknown> }>;
  t.equal(variants.length, 6);
  t.ok(variants.every((v) => 'name' in v.properties && 'type' in v.properties));
});
