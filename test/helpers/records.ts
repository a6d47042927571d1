import { createEvent, type EventInput } from '../../src/events/event.js';
import { encodeRecord, GENESIS_HASH, type JournalRecord } from '../../src/journal/record.js';

/** A chained run of records, as the journal would write them. */
export function makeRecords(inputs: readonly EventInput[]): JournalRecord[] {
  let prev = GENESIS_HASH;
  return inputs.map((input, index) => {
    const { record } = encodeRecord(index + 1, prev, createEvent(input, { nodeId: 'sidecar~10.0.0.1~web-0.shop~shop.svc.cluster.local', cluster: 'web', pod: 'web-0', namespace: 'shop' }));
    prev = record.hash;
    return record;
  });
}

export function driftInput(index: number, overrides: Partial<EventInput> = {}): EventInput {
  return {
    type: 'drift.detected',
    severity: 'high',
    service: 'web',
    findingId: `finding-${index}`,
    resource: { type: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: `backend-${index}` },
    changes: [{ path: '/connect_timeout', declared: '"1s"', live: '"5s"' }],
    declaredHash: 'a'.repeat(64),
    liveHash: 'b'.repeat(64),
    message: `cluster backend-${index} drifted: connect_timeout 1s -> 5s`,
    ...overrides,
  };
}
