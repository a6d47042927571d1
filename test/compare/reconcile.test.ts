import t from 'tap';
import type { Drift, DriftReport } from '../../src/compare/drift.js';
import type { ControlPlaneFacts } from '../../src/declared/control-plane-facts.js';
import { reconcileWithIntent } from '../../src/compare/reconcile.js';
import type { Resource } from '../../src/resources/resource.js';
import type { ResourceSet } from '../../src/resources/resource-set.js';

/* How a comparison against a control plane's intent is read: push lag, stale, rejected, static. */

const NOW = new Date('2026-12-02T04:00:00Z');
const facts = (receivedSecondsAgo: number, fileCoverage: ControlPlaneFacts['fileCoverage'] = []): ControlPlaneFacts => ({
  address: '127.0.0.1:18000',
  nodeId: 'edge-1',
  staleGraceMs: 30_000,
  versions: { cluster: { version: '7', receivedAt: NOW.getTime() - receivedSecondsAgo * 1000 }, listener: { version: '7', receivedAt: NOW.getTime() - receivedSecondsAgo * 1000 } },
  fileCoverage,
  keys: new Set(['cluster/payments', 'listener/ingress']),
});
const live = (versions: Record<string, string>): ResourceSet => ({
  resources: new Map<string, Resource>(Object.keys(versions).map((key) => [key, { type: 'cluster', name: key.split('/')[1]!, key, hash: 'h' }])),
  coverage: new Set(),
  conditions: [],
  sources: new Map(),
  stats: { unknownFields: 0, unknownTypes: {}, redactedFields: 0 },
  versions: new Map(Object.entries(versions)),
});
const drift = (kind: Drift['kind'], resourceType: Drift['resourceType'], name: string, details?: string): Drift => ({ service: '_proxy', kind, resourceType, name, severity: 'medium', reasons: [], paths: [], ...(details ? { details } : {}) });
const report = (items: Drift[]): DriftReport => ({
  inSync: items.length === 0,
  checkedAt: NOW.toISOString(),
  proxy: { declaredRoot: '', liveRoot: '' },
  services: [{ name: '_proxy', inSync: false, remediation: 'observe', declaredResources: 1, liveResources: 1, declaredRoot: '', liveRoot: '', drift: { added: 0, removed: 0, modified: items.length, rejected: 0, warming: 0, stale: 0 }, severity: 'medium' }],
  drift: items,
  ignored: [],
  coverage: { compared: ['cluster'], notCompared: [] },
  unknown: { fields: 0, types: {} },
  hashesOnly: false,
});

t.test('within the grace a resource at an older version is push lag; past it, stale with both versions', async (t) => {
  const within = reconcileWithIntent(report([drift('modified', 'cluster', 'payments')]), facts(5), live({ 'cluster/payments': '6' }), NOW);
  t.same(within.drift, []);
  t.equal(within.inSync, true);
  t.equal(within.services[0]!.inSync, true);
  const past = reconcileWithIntent(report([drift('modified', 'cluster', 'payments')]), facts(60), live({ 'cluster/payments': '6' }), NOW);
  t.match(past.drift, [{ kind: 'stale', severity: 'high', versions: { proxy: '6', controlPlane: '7' }, details: /^the proxy holds version 6; the control plane's is 7 since 2026-12-02T03:59:00.000Z$/ }]);
  t.match(past.services[0], { inSync: false, drift: { stale: 1, modified: 0 }, severity: 'high' });
});

t.test('at the same version a difference is drift, not lag', async (t) => {
  const same = reconcileWithIntent(report([drift('modified', 'cluster', 'payments')]), facts(1), live({ 'cluster/payments': '7' }), NOW);
  t.match(same.drift, [{ kind: 'modified', versions: { proxy: '7', controlPlane: '7' } }]);
});

t.test('a rejection is named at once, without the time of the attempt; past the grace one stale finding carries it', async (t) => {
  const reason = 'Proto constraint validation failed (x) (version 7) since 2026-12-02T03:59:59.000Z';
  const now = reconcileWithIntent(report([drift('rejected', 'listener', 'ingress', reason), drift('modified', 'listener', 'ingress')]), facts(1), live({ 'listener/ingress': '6' }), NOW);
  t.match(now.drift, [{ kind: 'rejected', details: 'Proto constraint validation failed (x) (version 7)', versions: { proxy: '6', controlPlane: '7' } }]);
  t.equal(now.drift.length, 1);
  const later = reconcileWithIntent(report([drift('rejected', 'listener', 'ingress', reason), drift('modified', 'listener', 'ingress')]), facts(60), live({ 'listener/ingress': '6' }), NOW);
  t.match(later.drift, [{ kind: 'stale', details: /Envoy rejected it: Proto constraint validation failed/ }]);
  t.equal(later.drift.length, 1);
});

t.test("static resources: nobody's without a file for their type, the files' with one", async (t) => {
  const alone = reconcileWithIntent(report([drift('added', 'cluster', 'xds')]), facts(60), live({}), NOW);
  t.same(alone.drift, []);
  const withFile = reconcileWithIntent(report([drift('modified', 'cluster', 'xds')]), facts(1, ['cluster', 'bootstrap']), live({}), NOW);
  t.match(withFile.drift, [{ kind: 'modified', name: 'xds' }]);
  t.notOk('versions' in withFile.drift[0]!);
});

t.test('a resource the proxy got over xDS that the control plane no longer declares: stale past the grace', async (t) => {
  const removed = reconcileWithIntent(report([drift('added', 'cluster', 'legacy')]), facts(60), live({ 'cluster/legacy': '5' }), NOW);
  t.match(removed.drift, [{ kind: 'stale', name: 'legacy', versions: { proxy: '5', controlPlane: '7' } }]);
});
