import t from 'tap';
import { parseSinksConfig, sinksSchema } from '../../src/sinks/sink-config.js';
import { parseJournalConfig } from '../../src/journal/journal-config.js';

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
    [[{ name: 'a', type: 'stdout', colour: true }], /^sinks\.0: unknown key "colour"/],
    [[{ name: 'a', type: 'splunk_hec', url: 'https://s', token: 'abc' }], /must have required property 'tokenFile'.*unknown key "token"/],
    [[{ name: 'a', type: 'carrier_pigeon' }], /sinks\.0\.type: must be equal to one of the allowed values/],
    [[{ name: 'a', type: 'syslog', protocol: 'tcp', host: 'h', port: 70000 }], /sinks\.0\.port: must be <= 65535/],
    [[{ name: 'Bad Name', type: 'stdout' }], /sinks\.0\.name: must match pattern/],
    [[{ name: 'a', type: 'stdout' }, { name: 'a', type: 'stdout' }], /sinks\.1\.name: "a" is used by another sink/],
    [[{ name: 'a', type: 'syslog', protocol: 'tcp', host: 'h', port: 514, caFile: '/ca' }], /need protocol tls/],
    [[{ name: 'a', type: 'syslog', protocol: 'tls', host: 'h', port: 6514, certFile: '/c' }], /certFile and keyFile go together/],
    [[{ name: 'a', type: 'elasticsearch', url: 'https://e', index: 'x', usernameFile: '/u' }], /usernameFile and passwordFile go together/],
    [[{ name: 'a', type: 'file', path: '/p', backoff: { initialMs: 100, maxMs: 10 } }], /maxMs is below initialMs/],
    [{ name: 'a' }, /^sinks: must be array/],
  ];
  for (const [value, message] of cases) t.throws(() => parseSinksConfig(value), { code: 'ED_SINK_CONFIG', message }, String(message));
});

t.test('the schema documents every property', async (t) => {
  const variants = sinksSchema.items.oneOf as unknown as Array<{ properties: Record<string, unknown> }>;
  t.equal(variants.length, 6);
  t.ok(variants.every((v) => 'name' in v.properties && 'type' in v.properties));
});

t.test('the journal block: strict, and the bound must hold two segments', async (t) => {
  t.same(parseJournalConfig({ segmentBytes: 1048576, maxBytes: 4194304, checkpoint: { every: 100, keyFile: '/k' } }).checkpoint, { every: 100, keyFile: '/k' });
  t.throws(() => parseJournalConfig({ maxbytes: 1 }), { code: 'ED_JOURNAL_CONFIG', message: /unknown key "maxbytes"/ });
  t.throws(() => parseJournalConfig({ segmentBytes: 1048576, maxBytes: 1048576 }), { code: 'ED_JOURNAL_CONFIG', message: /at least two segments/ });
  t.same(parseJournalConfig({ checkpoint: { every: 10, intervalSeconds: 5 } }).checkpoint, { every: 10, intervalSeconds: 5 }, 'unsigned checkpoints need no key');
  t.throws(() => parseJournalConfig({ checkpoint: { every: 10, interval: 5 } }), { message: /unknown key "interval"/ });
});
