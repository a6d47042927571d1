import type { JournalRecord } from '../journal/record.js';
import { ECS_SEVERITY } from './severity.js';

/**
 * Elastic Common Schema 8.11 for Elasticsearch and OpenSearch. Drift findings
 * are `event.kind: alert`; everything else `event`. envoy-drift's own fields
 * live under `envoy_drift.*`, which ECS leaves to the producer.
 */
export const ECS_VERSION = '8.11.0';

function eventType(type: string): string[] {
  if (type === 'drift.detected') return ['change', 'creation'];
  if (type === 'drift.resolved') return ['change', 'end'];
  if (type.startsWith('drift.') || type.startsWith('remediation.')) return ['change'];
  if (type === 'agent.started') return ['start'];
  if (type === 'agent.stopped') return ['end'];
  if (type === 'delivery.gap' || type === 'snapshot.invalid' || type === 'proxy.unreachable' || type === 'control_plane.unreachable') return ['error'];
  return ['info'];
}

export function toEcs(record: JournalRecord): Record<string, unknown> {
  const event = record.event;
  const isFinding = event.type.startsWith('drift.');
  const doc: Record<string, unknown> = {
    '@timestamp': event.time,
    ecs: { version: ECS_VERSION },
    message: event.message,
    event: {
      id: event.id,
      kind: isFinding ? 'alert' : 'event',
      category: ['configuration'],
      type: eventType(event.type),
      action: event.type,
      severity: ECS_SEVERITY[event.severity],
      dataset: 'envoy_drift.events',
      module: 'envoy_drift',
      provider: 'envoy-drift',
      created: event.time,
      sequence: record.seq,
      ...(event.declaredHash || event.liveHash ? { hash: event.liveHash ?? event.declaredHash } : {}),
    },
    observer: { type: 'envoy-drift', vendor: 'envoy-drift', product: 'envoy-drift' },
    envoy_drift: {
      severity: event.severity,
      proxy: event.proxy,
      ...(event.findingId ? { finding_id: event.findingId } : {}),
      ...(event.resource ? { resource: event.resource } : {}),
      ...(event.changes ? { changes: event.changes } : {}),
      ...(event.attribution ? { attribution: event.attribution } : {}),
      ...(event.declaredHash ? { declared_hash: event.declaredHash } : {}),
      ...(event.liveHash ? { live_hash: event.liveHash } : {}),
      ...(event.gap ? { gap: event.gap } : {}),
      ...(event.checkpoint ? { checkpoint: event.checkpoint } : {}),
      journal: { seq: record.seq, hash: record.hash, prev: record.prev },
    },
  };
  if (event.service) doc.service = { name: event.service };
  if (event.proxy.node) doc.host = { name: event.proxy.node };
  if (event.proxy.pod || event.proxy.namespace) {
    doc.orchestrator = {
      type: 'kubernetes',
      ...(event.proxy.namespace ? { namespace: event.proxy.namespace } : {}),
      ...(event.proxy.pod ? { resource: { type: 'pod', name: event.proxy.pod } } : {}),
    };
  }
  if (event.findingId) doc.rule = { id: event.findingId, name: event.type };
  return doc;
}
