import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { createEvent, type DriftEvent } from '../../src/events/event.js';
import { signCheckpoint } from '../../src/journal/checkpoint.js';

// proto/envoydrift/v1/event.proto is the events' model; nothing in the agent
// sends them as protobuf, so this test is what keeps the .proto and the JSON
// form (the proto3 JSON mapping, timestamps as RFC 3339 text) in step.
const PROTO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');
const TIMESTAMP_PATHS = [['time'], ['attribution', 'lastUpdated'], ['gap', 'firstTime'], ['gap', 'lastTime']] as const;

let cached: protobuf.Type | undefined;

function eventType(): protobuf.Type {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_ROOT, target));
  root.loadSync('envoydrift/v1/event.proto', { keepCase: false });
  root.resolveAll();
  cached = root.lookupType('envoydrift.v1.Event');
  return cached;
}

function mapTimestamps(value: Record<string, unknown>, convert: (v: unknown) => unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  for (const path of TIMESTAMP_PATHS) {
    let parent: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key] as Record<string, unknown> | undefined;
    const leaf = path[path.length - 1] as string;
    if (parent && parent[leaf] !== undefined) parent[leaf] = convert(parent[leaf]);
  }
  return copy;
}

function toTimestamp(text: unknown): { seconds: number; nanos: number } {
  const match = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(String(text));
  const millis = Date.parse(match ? `${match[1]}${match[3]}` : String(text));
  if (!match || Number.isNaN(millis)) throw new Error(`"${String(text)}" is not an RFC 3339 timestamp`);
  return { seconds: Math.floor(millis / 1000), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

function fromTimestamp(value: unknown): string {
  const { seconds, nanos } = value as { seconds: number; nanos?: number };
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  let fraction = nanos ? String(nanos).padStart(9, '0') : '';
  while (fraction.endsWith('000')) fraction = fraction.slice(0, -3);
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

function encodeEvent(event: DriftEvent): Uint8Array {
  const type = eventType();
  const message = type.fromObject(mapTimestamps(event as unknown as Record<string, unknown>, toTimestamp));
  return type.encode(message).finish();
}

function decodeEvent(bytes: Uint8Array): DriftEvent {
  const type = eventType();
  const object = type.toObject(type.decode(bytes), { longs: Number, enums: String, defaults: false, arrays: false, objects: false });
  return mapTimestamps(object, fromTimestamp) as unknown as DriftEvent;
}

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
