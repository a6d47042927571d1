import t from 'tap';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { startEnvoy } from '../helpers/envoy.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A change the stats scan pins on one subscription is re-checked by reading
 * that section of the config dump alone (config-dump-sections.ts): the
 * change must still be detected, and the check must have been a section one.
 */

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The sections of every check the agent logged as complete since `from`. */
function checksSince(stderr: string, from: number): Array<string[] | undefined> {
  return stderr
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('"msg":"check complete"'))
    .map((line) => (JSON.parse(line) as { sections?: string[] }).sections);
}

/** Whether a check of `section` alone completed since `from` (the log line follows the journaled event). */
async function sectionCheck(stderr: () => string, from: number, section: string): Promise<boolean> {
  const seen = () => checksSince(stderr(), from).some((s) => s?.join() === section);
  return eventually(() => seen() || undefined, `a check of the ${section} alone`, 10_000).then(() => true, () => false);
}

t.test('a CDS then an LDS change through files: each detected by a check of its section alone', async (t) => {
  const dir = workdir(t);
  const bootstrap = gatewayBootstrap() as Doc;
  const clusters = bootstrap['static_resources'].clusters.splice(0) as Doc[];
  const listeners = bootstrap['static_resources'].listeners.splice(0) as Doc[];
  bootstrap['dynamic_resources'] = {
    cds_config: { path_config_source: { path: join(dir, 'cds.yaml') }, resource_api_version: 'V3' },
    lds_config: { path_config_source: { path: join(dir, 'lds.yaml') }, resource_api_version: 'V3' },
  };
  const xds = (type: string, list: Doc[]) => stringify({ resources: list.map((r) => ({ '@type': `type.googleapis.com/envoy.config.${type}`, ...r })) });
  const write = (file: string, text: string) => {
    writeFileSync(join(dir, `${file}.next`), text);
    renameSync(join(dir, `${file}.next`), join(dir, file));
  };
  const declared = join(dir, 'declared');
  mkdirSync(declared);
  for (const folder of [dir, declared]) {
    writeFileSync(join(folder, 'envoy.yaml'), stringify(bootstrap));
    writeFileSync(join(folder, 'cds.yaml'), xds('cluster.v3.Cluster', clusters));
    writeFileSync(join(folder, 'lds.yaml'), xds('listener.v3.Listener', listeners));
  }
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--log-level', 'debug']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  let from = agent.stderr().length;
  clusters[0]!['connect_timeout'] = '7s';
  write('cds.yaml', xds('cluster.v3.Cluster', clusters));
  t.match(await events.next((e) => e.type === 'drift.detected'), { resource: { type: 'cluster', name: clusters[0]!['name'] }, attribution: { source: 'file change' } });
  t.ok(await sectionCheck(agent.stderr, from, 'clusters'), 'found by a check of the clusters alone');

  from = agent.stderr().length;
  const listener = listeners.find((l) => l['name']) ?? listeners[0]!;
  listener['per_connection_buffer_limit_bytes'] = 12345;
  write('lds.yaml', xds('listener.v3.Listener', listeners));
  t.match(await events.next((e) => e.type === 'drift.detected' && e.resource?.type === 'listener'), { resource: { type: 'listener' }, attribution: { source: 'file change' } });
  t.ok(await sectionCheck(agent.stderr, from, 'listeners'), 'found by a check of the listeners alone');
});
