import t from 'tap';
import { toOcsf } from '../../src/formats/ocsf.js';
import { driftInput, makeRecords } from '../helpers/records.js';

t.test('drift events are Detection Findings: detected Create, updated Update, resolved Close', async (t) => {
  const records = makeRecords([
    driftInput(1, { type: 'drift.detected' }),
    driftInput(1, { type: 'drift.updated' }),
    driftInput(1, { type: 'drift.resolved', severity: 'info' }),
    driftInput(1, { type: 'remediation.applied' }),
  ]);
  const [detected, updated, resolved, remediation] = records.map(toOcsf);
  t.match(detected, {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    severity_id: 4,
    severity: 'High',
    status_id: 1,
    status: 'New',
    time: Date.parse(records[0]?.event.time ?? ''),
    metadata: { version: '1.3.0', uid: records[0]?.event.id, correlation_uid: 'finding-1', product: { name: 'envoy-drift' } },
    finding_info: { uid: 'finding-1', types: ['drift.detected'] },
    resources: [{ type: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'backend-1', namespace: 'shop' }],
    device: { uid: records[0]?.event.proxy.nodeId, hostname: 'web-0' },
    unmapped: { service: 'web', changes: [{ path: '/connect_timeout', declared: '"1s"', live: '"5s"' }], journal: { seq: 1 } },
  });
  t.match(updated, { activity_id: 2, activity_name: 'Update', type_uid: 200402, status_id: 2 });
  t.match(resolved, { activity_id: 3, activity_name: 'Close', type_uid: 200403, status_id: 4, status: 'Resolved', severity_id: 1 });
  t.match(remediation, { class_uid: 2004, activity_id: 2 });
});

t.test('agent and delivery events are Application Lifecycle', async (t) => {
  const [started, gap] = makeRecords([
    { type: 'agent.started', severity: 'info', message: 'agent started' },
    { type: 'delivery.gap', severity: 'high', message: 'lost', gap: { sink: 's', firstSeq: 1, lastSeq: 2, count: 2 } },
  ]).map(toOcsf);
  t.match(started, { class_uid: 6002, activity_id: 3, activity_name: 'Start', type_uid: 600203, app: { name: 'envoy-drift' } });
  t.match(gap, { class_uid: 6002, activity_id: 99, activity_name: 'delivery.gap', unmapped: { gap: { sink: 's', count: 2 } } });
  t.notOk('finding_info' in (gap ?? {}));
});
