import t from 'tap';
import { createEvent, proxyIdentityFromEnv } from '../../src/events/event.js';
import { isSecretPath, redactChanges } from '../../src/events/redact.js';

t.test('createEvent fills a UUIDv7 id, the time and the identity, in proto field order, frozen', async (t) => {
  const before = Date.now();
  const event = createEvent({ type: 'agent.started', severity: 'info', message: 'up', proxy: { nodeId: 'n' } }, { pod: 'web-0', nodeId: 'default' });
  t.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.ok(Date.parse(event.time) >= before - 1);
  t.same(event.proxy, { pod: 'web-0', nodeId: 'n' });
  t.same(Object.keys(event), ['id', 'time', 'type', 'severity', 'proxy', 'message']);
  t.ok(Object.isFrozen(event) && Object.isFrozen(event.proxy));
  const later = createEvent({ type: 'agent.stopped', severity: 'info', message: 'down' });
  t.ok(later.id > event.id, 'ids sort by time');
});

t.test('createEvent refuses unknown types and severities', async (t) => {
  t.throws(() => createEvent({ type: 'drift.exploded' as never, severity: 'info', message: 'x' }), { code: 'ED_EVENT_INVALID' });
  t.throws(() => createEvent({ type: 'drift.detected', severity: 'urgent' as never, message: 'x' }), { code: 'ED_EVENT_INVALID' });
  t.doesNotThrow(() => createEvent({ type: 'remediation.applied', severity: 'info', message: 'x' }));
});

t.test('pod, namespace and node come from the downward API variables', async (t) => {
  t.same(proxyIdentityFromEnv({ POD_NAME: 'web-0', POD_NAMESPACE: 'shop', NODE_NAME: 'node-a' }), { pod: 'web-0', namespace: 'shop', node: 'node-a' });
});

t.test('secrets are redacted on secret paths and inside values', async (t) => {
  t.ok(isSecretPath('/transport_socket/typed_config/common_tls_context/tls_certificates/0/private_key'));
  t.notOk(isSecretPath('/connect_timeout'));
  const changes = redactChanges([
    { path: '/common_tls_context/tls_certificates/0/private_key/inline_string', declared: '"-----BEGIN"', live: '"other"' },
    { path: '/typed_config', live: '{"name":"jwt","config":{"api_key":"abc","keep":1}}' },
    { path: '/connect_timeout', declared: '"1s"' },
  ]);
  t.same(changes, [
    { path: '/common_tls_context/tls_certificates/0/private_key/inline_string', declared: '"[redacted]"', live: '"[redacted]"' },
    { path: '/typed_config', live: '{"name":"jwt","config":{"api_key":"[redacted]","keep":1}}' },
    { path: '/connect_timeout', declared: '"1s"' },
  ]);
  const event = createEvent({ type: 'drift.detected', severity: 'high', message: 'x', changes: [{ path: '/password', live: '"hunter2"' }] });
  t.notMatch(JSON.stringify(event), /hunter2/);
});
