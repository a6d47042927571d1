import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { snapshotFiles } from '../../src/cli/commands/snapshot.js';
import { compare } from '../../src/compare/compare.js';
import { loadDeclared } from '../../src/declared/load-declared.js';
import { liveStateFromDump } from '../../src/envoy-admin/live-state.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { corpusFiles } from '../helpers/corpus.js';

/*
 * Real config dumps written by Envoy 1.18 to 1.37 (Istio, Envoy Gateway,
 * Kuma, OSM): each parses, and each, captured as a snapshot and checked
 * against itself, is in sync except for what the dump itself says is wrong.
 */
const registry = envoyRegistry();
const NOW = new Date('2020-01-01T00:00:00Z');

/** What each dump legitimately reports against its own snapshot. */
const EXPECTED: Record<string, (kinds: string[]) => boolean> = {
  // Istio pushed listeners the proxy rejected; the dump carries their error_state.
  'deathstarbench_istio-1.18.2_envoy-1.26.4_sidecar_FULL_2.4MB.json': (kinds) => kinds.length > 0 && kinds.every((k) => k === 'rejected'),
  // One EDS assignment without a cluster_name cannot be declared, so it stays "added".
  'osm_bookstore_envoy-1.18.3.json': (kinds) => kinds.length === 1 && kinds[0] === 'added',
};

/** Dumps of Envoy 1.18/1.19 carry node.hidden_envoy_deprecated_build_version, which Envoy's API has since dropped. */
const REMOVED_FIELDS: Record<string, number> = {
  'kuma_admin_full_config_envoy-1.19.json': 1,
  'osm_bookstore_envoy-1.18.3.json': 1,
  'osm_httpbin1_permissive_envoy-1.19.3.json': 1,
};

function snapshotDir(dump: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-dump-'));
  for (const [name, content] of snapshotFiles(dump, undefined)) writeFileSync(join(dir, name), stringify(content, { lineWidth: 0, aliasDuplicateObjects: false }));
  return dir;
}

for (const file of corpusFiles('config_dump')) {
  const name = basename(file);
  t.test(name, async (t) => {
    const dump = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const live = liveStateFromDump({ dump, admin: name }, registry);
    t.ok(live.set.resources.size > 0 || live.notCompared.length > 0, 'something was read');
    t.equal(live.set.stats.unknownFields, REMOVED_FIELDS[name] ?? 0, 'every field decoded');
    if (live.set.resources.size === 0) return;
    const dir = snapshotDir(dump);
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const declared = await loadDeclared(dir, registry);
    if (!declared.ok) throw declared.error;
    const report = compare(declared.value, live, { now: NOW });
    const kinds = report.drift.map((d) => d.kind);
    const expected = EXPECTED[name];
    if (expected) t.ok(expected(kinds), `only the expected findings: ${kinds.join(', ')}`);
    else t.same(report.drift, [], 'in sync with its own snapshot');
  });
}

t.test('the rejected listeners of the Istio dump are named, with the proxy\'s reason', async (t) => {
  const file = corpusFiles('config_dump').find((f) => f.includes('deathstarbench'))!;
  const live = liveStateFromDump({ dump: JSON.parse(readFileSync(file, 'utf8')), admin: 'dump' }, registry);
  const rejected = live.set.conditions.filter((c) => c.state === 'rejected');
  t.ok(rejected.length > 0);
  t.ok(rejected.every((c) => c.key === 'listener/virtualInbound'), 'named from error_state when the entry has no name');
  t.match(rejected[0]!.details, /Proto constraint validation failed/);
});

t.test('an edited copy of a dump is found, with field paths', async (t) => {
  const [original, edited] = ['istio_compare_configdump_partial.json', 'istio_compare_configdump_diff_partial.json'].map(
    (n) => JSON.parse(readFileSync(corpusFiles('config_dump').find((f) => f.endsWith(n))!, 'utf8')) as unknown,
  );
  const dir = snapshotDir(original);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const declared = await loadDeclared(dir, registry);
  if (!declared.ok) throw declared.error;
  const report = compare(declared.value, liveStateFromDump({ dump: edited, admin: 'edited' }, registry), { now: NOW });
  t.notOk(report.inSync);
  t.ok(report.drift.length > 0);
  for (const d of report.drift) {
    t.ok(d.kind !== 'modified' || d.paths.length > 0, `${d.resourceType}/${d.name} names its paths`);
  }
});

t.test('a dump that is not a dump is one clear error', async (t) => {
  t.throws(() => liveStateFromDump({ dump: { hello: 'world' }, admin: 'http://127.0.0.1:1' }, registry), { code: 'ED_ADMIN_BAD_RESPONSE', message: /config_dump: not a config dump/ });
});
