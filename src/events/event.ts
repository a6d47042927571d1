import { hostname } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { SEVERITIES, type Severity } from '../common/severity-levels.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { FieldChange } from './field-change.js';
import { redactChanges } from './redact.js';

/**
 * The event every part of envoy-drift emits, in its proto3 JSON form
 * (proto/envoydrift/v1/event.proto). Absent fields are omitted, never empty.
 */
export const EVENT_TYPES = [
  'drift.detected',
  'drift.updated',
  'drift.resolved',
  'proxy.unreachable',
  'proxy.recovered',
  'control_plane.unreachable',
  'control_plane.recovered',
  'snapshot.loaded',
  'snapshot.invalid',
  'agent.started',
  'agent.stopped',
  'delivery.gap',
  'audit.checkpoint',
  'journal.write_failed',
  'proxy.dump_unusable',
] as const;

export type EventType = (typeof EVENT_TYPES)[number] | `remediation.${string}`;

export interface ProxyIdentity {
  readonly nodeId?: string;
  readonly cluster?: string;
  readonly pod?: string;
  readonly namespace?: string;
  readonly node?: string;
}

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
}

export interface Attribution {
  readonly actor?: string;
  readonly source?: string;
  readonly versionInfo?: string;
  readonly lastUpdated?: string;
}

export interface DeliveryGap {
  readonly sink: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly count: number;
  readonly firstTime?: string;
  readonly lastTime?: string;
  readonly firstEventId?: string;
  readonly lastEventId?: string;
  readonly countByType?: Readonly<Record<string, number>>;
}

/** The journal head; key id, signature and public key only when a signing key is configured. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly keyId?: string;
  readonly signature?: string;
  readonly publicKey?: string;
}

export interface DriftEvent {
  readonly id: string;
  readonly time: string;
  readonly type: EventType;
  readonly severity: Severity;
  readonly proxy: ProxyIdentity;
  readonly service?: string;
  readonly findingId?: string;
  readonly resource?: ResourceRef;
  readonly changes?: readonly FieldChange[];
  readonly attribution?: Attribution;
  readonly declaredHash?: string;
  readonly liveHash?: string;
  readonly message: string;
  readonly gap?: DeliveryGap;
  readonly checkpoint?: Checkpoint;
}

/** What a caller gives; id, time and the pod identity are filled in. */
export type EventInput = Omit<DriftEvent, 'id' | 'time' | 'proxy'> & {
  readonly id?: string;
  readonly time?: string;
  readonly proxy?: ProxyIdentity;
};

/** Pod, namespace and node from the downward API variables. */
export function proxyIdentityFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ProxyIdentity {
  return compact({
    pod: env.POD_NAME ?? env.HOSTNAME ?? hostname(),
    namespace: env.POD_NAMESPACE,
    node: env.NODE_NAME,
  });
}

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value) || /^remediation\.[a-z][a-z0-9_.-]*$/.test(value);
}

const FIELD_ORDER = ['id', 'time', 'type', 'severity', 'proxy', 'service', 'findingId', 'resource', 'changes', 'attribution', 'declaredHash', 'liveHash', 'message', 'gap', 'checkpoint'] as const;

/** Builds a frozen event: UUIDv7 id, current time, secrets in changes redacted. */
export function createEvent(input: EventInput, defaults: ProxyIdentity = {}): DriftEvent {
  if (!isEventType(input.type)) throw new DriftError(ErrorCodes.EVENT_INVALID, `event type "${input.type}" is not one of ${EVENT_TYPES.join(', ')}, remediation.*`);
  if (!(SEVERITIES as readonly string[]).includes(input.severity)) {
    throw new DriftError(ErrorCodes.EVENT_INVALID, `event severity "${input.severity}" is not one of ${SEVERITIES.join(', ')}`);
  }
  const filled: Record<string, unknown> = {
    ...input,
    id: input.id ?? uuidv7(),
    time: input.time ?? new Date().toISOString(),
    proxy: compact({ ...defaults, ...input.proxy }),
    changes: input.changes ? redactChanges(input.changes) : undefined,
  };
  const ordered = Object.fromEntries(FIELD_ORDER.map((key) => [key, filled[key]]));
  return deepFreeze(compact(ordered) as unknown as DriftEvent);
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
