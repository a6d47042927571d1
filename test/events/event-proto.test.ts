import t from 'tap';
import { createEvent, type DriftEvent } from '../../src/events/event.js';
import { decodeEvent, encodeEvent, eventType } from '../../src/events/event-proto.js';
import { signCheckpoint } from '../../src/journal/checkpoint.js';
import { generateKeyPairSync } from 'node:crypto';

t.test('the JSON form round-trips through proto/envoydrift/v1/event.proto', async (t) => {
  const events: DriftEvent[] = [
    createEvent(
      {
        type: 'drift.updated',
        severity: 'critical',
        service: 'web',
        findingId: 'f-1',
        resource: { type: 'type.googleapis.com/envoy.config.listener.v3.Listener', name: 'ingress' },
        changes: [{ path: '/a', declared: '1', live: '2' }, { path: '/b', live: '{"x":[1,2]}' }],
        attribution: { actor: 'kubectl', source: 'xds', versionInfo: 'v42', lastUpdated: '2026-01-02T03:04:05.678Z' },
        declaredHash: 'd'.repeat(64),
        liveHash: 'e'.repeat(64),
        message: 'listener ingress drifted',
      },
      { nodeId: 'n', cluster: 'c', pod: 'p', namespace: 'ns', node: 'nd' },
    ),
    createEvent({
      type: 'delivery.gap',
      severity: 'high',
      message: 'lost',
      gap: { sink: 'splunk', firstSeq: 10, lastSeq: 9_007_199_254, count: 3, firstTime: '2026-01-01T00:00:00Z', lastTime: '2026-01-01T00:00:01.5Z', countByType: { 'drift.detected': 3 } },
    }),
    createEvent({ type: 'audit.checkpoint', severity: 'info', message: 'signed', checkpoint: signCheckpoint(generateKeyPairSync('ed25519').privateKey, 5, 'f'.repeat(64)) }),
  ];
  for (const event of events) {
    const normalised = JSON.parse(JSON.stringify(event).replace('01.5Z', '01.500Z')) as DriftEvent;
    t.same(decodeEvent(encodeEvent(event)), normalised, event.type);
    t.equal(eventType().verify(eventType().fromObject({ id: event.id })), null);
  }
});

t.test('a field the proto does not define is not carried', async (t) => {
  const event = { ...createEvent({ type: 'agent.started', severity: 'info', message: 'x' }), extra: 'no' } as DriftEvent;
  t.notOk('extra' in decodeEvent(encodeEvent(event)));
});
