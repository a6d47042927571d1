import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Drift } from '../../src/compare/drift.js';
import { FindingStore } from '../../src/agent/finding-store.js';
import { workdir } from '../helpers/workdir.js';

const drift = (over: Partial<Drift> = {}): Drift => ({
  service: 'payments',
  kind: 'modified',
  resourceType: 'cluster',
  name: 'payments',
  severity: 'medium',
  reasons: [],
  paths: [{ path: '/lb_policy', declared: 'ROUND_ROBIN', live: 'RANDOM' }],
  declaredHash: 'a',
  liveHash: 'b',
  ...over,
});
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

t.test('one event per change, a reminder per interval, resolved when gone, ids kept on disk', async (t) => {
  const dir = workdir(t, 'envoy-drift-findings-');
  const store = await FindingStore.load(dir, 10_000);
  const first = store.apply([drift()], () => 'unknown', at(0));
  t.match(first, [{ type: 'drift.detected', finding: { service: 'payments', kind: 'modified', attribution: 'unknown' } }]);
  const id = first[0]!.finding.id;
  t.same(store.apply([drift()], () => 'unknown', at(5)), [], 'unchanged: nothing to say');
  t.match(store.apply([drift({ liveHash: 'c', paths: [{ path: '/lb_policy', live: 'MAGLEV' }] })], () => 'unknown', at(6)), [{ type: 'drift.updated', reminder: false, finding: { id } }]);
  t.match(store.apply([drift({ liveHash: 'c', paths: [{ path: '/lb_policy', live: 'MAGLEV' }] })], () => 'unknown', at(17)), [{ type: 'drift.updated', reminder: true, finding: { id } }]);
  await store.save();

  const reloaded = await FindingStore.load(dir, 10_000);
  t.same(reloaded.findings().map((f) => f.id), [id]);
  t.match(reloaded.apply([], () => 'unknown', at(20)), [{ type: 'drift.resolved', finding: { id } }]);
  t.same(reloaded.findings(), []);
});

t.test('a damaged state file is set aside, not fatal', async (t) => {
  const dir = workdir(t, 'envoy-drift-findings-');
  writeFileSync(join(dir, 'findings.json'), '{"findings": [');
  const store = await FindingStore.load(dir, 1000);
  t.same(store.findings(), []);
  await store.save();
  t.same(JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')), { version: 1, findings: [] });
});
