import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { snapshotFiles } from '../../src/cli/commands/snapshot.js';
import { compare } from '../../src/compare/compare.js';
import { loadDeclared } from '../../src/declared/load-declared.js';
import { liveStateFromDump } from '../../src/envoy-admin/live-state.js';
import { withApiReport } from '../../src/compare/drift.js';
import { apiReport, isNewer } from '../../src/proto/api-report.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { renderText } from '../../src/report/text-report.js';
import { corpusFiles } from '../helpers/corpus.js';
import { workdir } from '../helpers/workdir.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const registry = envoyRegistry();

t.test('release order', async (t) => {
  t.ok(isNewer('1.41.0', '1.40'));
  t.ok(isNewer('2.0.0-dev', '1.40'));
  t.notOk(isNewer('1.40.3', '1.40'));
  t.notOk(isNewer('1.36.2', '1.40'));
  t.notOk(isNewer('unknown', '1.40'), 'an unreadable version is not called newer');
  t.match(apiReport(undefined, undefined), { registry: '1.40', proxyNewer: false });
});

t.test('a proxy newer than the API: one warning line, counting what was not decoded', async (t) => {
  const file = corpusFiles('config_dump').find((f) => f.includes('wg-ai-gateway'))!;
  const original = JSON.parse(readFileSync(file, 'utf8')) as any;
  const dir = workdir(t, 'envoy-drift-newer-');
  for (const [name, content] of snapshotFiles(original, undefined)) writeFileSync(join(dir, name), stringify(content, { lineWidth: 0 }));
  const declared = await loadDeclared(dir, registry);
  if (!declared.ok) throw declared.error;

  // What a release after the registry's would add: a field and an extension type of its own.
  const newer = structuredClone(original);
  const clusters = newer.configs.find((c: any) => c['@type'].endsWith('ClustersConfigDump'));
  const cluster = clusters.dynamic_active_clusters[0].cluster;
  cluster.added_after_the_registry = true;
  cluster.typed_extension_protocol_options = { 'envoy.upstreams.future': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.future.v3.Options', level: 2 } };
  const live = liveStateFromDump({ dump: newer, admin: 'replay', serverInfo: { version: 'abc/1.41.0/Clean/RELEASE/BoringSSL', state: 'LIVE' } }, registry);
  const report = withApiReport(compare(declared.value, live));
  t.match(report.api, { registry: '1.40', proxy: '1.41.0', proxyNewer: true });
  t.equal(report.api?.warning, 'Envoy 1.41.0 is newer than the API types (Envoy 1.40): 1 unknown field and 1 value of unknown types compared as plain JSON');
  t.same(report.unknown.types, { 'envoy.extensions.upstreams.future.v3.Options': 1 }, 'on the live side an unknown Envoy type is counted, not an error');
  const text = renderText(report, { red: String, green: String, yellow: String, dim: String, bold: String });
  t.equal(text.split('\n').filter((l) => l.startsWith('warning: ')).length, 1, 'one warning line in the text report');
  t.ok(report.drift.some((d) => d.name === cluster.name), 'the added field is still compared, as plain JSON');
});
