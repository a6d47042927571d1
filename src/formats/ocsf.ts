import type { DriftEvent } from '../events/event.js';
import type { JournalRecord } from '../journal/record.js';
import { version } from '../common/version.js';
import { OCSF_SEVERITY } from './severity.js';

/**
 * OCSF 1.3. Drift and remediation events are Detection Findings (class 2004):
 * detected = Create, updated and remediation.* = Update, resolved = Close.
 * Everything else the agent reports about itself is Application Lifecycle
 * (class 6002): agent.started = Start, agent.stopped = Stop, the rest Other.
 * Fields OCSF has no place for go under `unmapped`.
 */
export const OCSF_VERSION = '1.3.0';

const FINDING = { classUid: 2004, className: 'Detection Finding', categoryUid: 2, categoryName: 'Findings' };
const LIFECYCLE = { classUid: 6002, className: 'Application Lifecycle', categoryUid: 6, categoryName: 'Application Activity' };

function findingActivity(type: string): { id: number; name: string; statusId: number; status: string } {
  if (type === 'drift.detected') return { id: 1, name: 'Create', statusId: 1, status: 'New' };
  if (type === 'drift.resolved') return { id: 3, name: 'Close', statusId: 4, status: 'Resolved' };
  return { id: 2, name: 'Update', statusId: 2, status: 'In Progress' };
}

function lifecycleActivity(type: string): { id: number; name: string } {
  if (type === 'agent.started') return { id: 3, name: 'Start' };
  if (type === 'agent.stopped') return { id: 4, name: 'Stop' };
  return { id: 99, name: type };
}

export function toOcsf(record: JournalRecord): Record<string, unknown> {
  const event: DriftEvent = record.event;
  const isFinding = event.type.startsWith('drift.') || event.type.startsWith('remediation.');
  const cls = isFinding ? FINDING : LIFECYCLE;
  const activity = isFinding ? findingActivity(event.type) : lifecycleActivity(event.type);
  const severity = OCSF_SEVERITY[event.severity];
  const time = Date.parse(event.time);
  const common = {
    activity_id: activity.id,
    activity_name: activity.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    class_uid: cls.classUid,
    class_name: cls.className,
    type_uid: cls.classUid * 100 + activity.id,
    type_name: `${cls.className}: ${activity.name}`,
    severity_id: severity.id,
    severity: severity.name,
    time,
    message: event.message,
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      correlation_uid: event.findingId,
      sequence: record.seq,
      log_name: 'envoy-drift',
      product: { name: 'envoy-drift', vendor_name: 'envoy-drift', version },
    },
    device: {
      type_id: 99,
      type: 'Envoy proxy',
      uid: event.proxy.nodeId,
      hostname: event.proxy.pod,
      name: event.proxy.pod,
    },
  };
  const unmapped = stripUndefined({
    event_type: event.type,
    service: event.service,
    proxy: event.proxy,
    changes: event.changes,
    attribution: event.attribution,
    declared_hash: event.declaredHash,
    live_hash: event.liveHash,
    gap: event.gap,
    checkpoint: event.checkpoint,
    journal: { seq: record.seq, hash: record.hash, prev: record.prev },
  });
  if (isFinding) {
    return stripUndefined({
      ...common,
      status_id: 'statusId' in activity ? activity.statusId : undefined,
      status: 'status' in activity ? activity.status : undefined,
      finding_info: stripUndefined({
        uid: event.findingId ?? event.id,
        title: event.message,
        types: [event.type],
        analytic: { type_id: 1, type: 'Rule', name: 'envoy-drift declared vs live config', uid: 'envoy-drift' },
      }),
      resources: event.resource
        ? [stripUndefined({ type: event.resource.type, name: event.resource.name, uid: `${event.resource.type}/${event.resource.name}`, namespace: event.proxy.namespace })]
        : undefined,
      unmapped,
    });
  }
  return stripUndefined({ ...common, app: { name: 'envoy-drift', vendor_name: 'envoy-drift', version }, unmapped });
}

function stripUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (child === undefined) delete value[key];
    else if (child && typeof child === 'object' && !Array.isArray(child) && Object.getPrototypeOf(child) === Object.prototype && !Object.isFrozen(child)) {
      stripUndefined(child as Record<string, unknown>);
    }
  }
  return value;
}
