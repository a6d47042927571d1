import t from 'tap';
import { toEcs } from '../../src/formats/ecs.js';
import { driftInput, makeRecords } from '../helpers/records.js';

t.test('a drift event in ECS', async (t) => {
  const [record] = makeRecords([driftInput(3)]);
  if (!record) throw new Error('no record');
  t.match(toEcs(record), {
    '@timestamp': record.event.time,
    ecs: { version: '8.11.0' },
    message: record.event.message,
    event: { id: record.event.id, kind: 'alert', category: ['configuration'], type: ['change', 'creation'], action: 'drift.detected', severity: 4, sequence: 1 },
    service: { name: 'web' },
    orchestrator: { type: 'kubernetes', namespace: 'shop', resource: { type: 'pod', name: 'web-0' } },
    rule: { id: 'finding-3' },
    envoy_drift: { finding_id: 'finding-3', resource: { name: 'backend-3' }, journal: { seq: 1, hash: record.hash } },
  });
});

t.test('agent events are plain events', async (t) => {
  const [record] = makeRecords([{ type: 'agent.stopped', severity: 'info', message: 'bye' }]);
  if (!record) throw new Error('no record');
  t.match(toEcs(record), { event: { kind: 'event', type: ['end'], action: 'agent.stopped', severity: 1 } });
});
