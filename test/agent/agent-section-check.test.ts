import t from 'tap';
import { join } from 'node:path';
import { gatewayFromFiles } from '../fixtures/gateway-from-files.js';
import { startEnvoy } from '../helpers/envoy.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A change the stats scan pins on one subscription is re-checked by reading
 * that section of the config dump alone (config-dump-sections.ts): the
 * change must still be detected, and the check must have been a section one.
 */

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
  const gateway = gatewayFromFiles(dir);
  const { clusters, listeners, declared } = gateway;
  const envoy = await startEnvoy({ config: gateway.config, cwd: dir });
  t.teardown(() => envoy.stop());
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--log-level', 'debug']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  let from = agent.stderr().length;
  clusters[0]!['connect_timeout'] = '7s';
  gateway.writeClusters();
  t.match(await events.next((e) => e.type === 'drift.detected'), { resource: { type: 'cluster', name: clusters[0]!['name'] }, attribution: { source: 'file change' } });
  t.ok(await sectionCheck(agent.stderr, from, 'clusters'), 'found by a check of the clusters alone');

  // As many clusters as declared, one of them not declared: the clusters' places no longer match the last listing.
  from = agent.stderr().length;
  const removed = clusters.pop()!;
  clusters.push({ ...removed, name: 'svc-undeclared', load_assignment: { ...removed['load_assignment'], cluster_name: 'svc-undeclared' } });
  gateway.writeClusters();
  const seen = [
    await events.next((e) => e.type === 'drift.detected' && e.resource?.name === removed['name']),
    await events.next((e) => e.type === 'drift.detected' && e.resource?.name === 'svc-undeclared'),
  ];
  t.match(seen, [{ message: / removed$/ }, { message: / added$/ }], 'a removed and an added cluster');
  t.ok(await sectionCheck(agent.stderr, from, 'clusters'), 'both found by a check of the clusters alone');

  from = agent.stderr().length;
  const listener = listeners.find((l) => l['name']) ?? listeners[0]!;
  listener['per_connection_buffer_limit_bytes'] = 12345;
  gateway.writeListeners();
  t.match(await events.next((e) => e.type === 'drift.detected' && e.resource?.type === 'listener'), { resource: { type: 'listener' }, attribution: { source: 'file change' } });
  t.ok(await sectionCheck(agent.stderr, from, 'listeners'), 'found by a check of the listeners alone');
});
