import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { gatewayFromFiles } from '../fixtures/gateway-from-files.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { EventStream, getJson, startAgent, type RunningAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * The per-interval signal is cheap (/runtime, /server_info on a new
 * connection, watches on xDS files) and the stats scan is rare: each change
 * kind must still be detected, and by the cheap signal itself. The agent logs
 * what moved at debug level; each test checks that the cheap part saw it, so
 * the test fails if only the (rarer) stats scan would have.
 */

type Bootstrap = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function agentBeside(t: { teardown(fn: () => unknown): void }, envoy: RunningEnvoy, declared: string, dir: string, extra: string[] = []): Promise<{ agent: RunningAgent; events: EventStream }> {
  // A tiny admin budget: the stats scan runs seconds apart at best.
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--admin-budget', '0.1%', '--max-backoff', '1s', '--log-level', 'debug', ...extra]);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());
  return { agent, events };
}

/** What the agent logged as moved since `from` (debug lines). */
function movedSince(agent: RunningAgent, from: number): string[] {
  return agent
    .stderr()
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('"msg":"proxy state moved"'))
    .flatMap((line) => (JSON.parse(line) as { moved: string[] }).moved);
}

/** Checks that read /runtime alone since `from` (debug lines). */
function runtimeOnlyChecksSince(agent: RunningAgent, from: number): number {
  return agent
    .stderr()
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('"msg":"check complete"') && line.includes('"runtimeOnly":true')).length;
}

for (const thread of ['main', 'worker']) {
  t.test(`an admin runtime override is seen by the /runtime poll and checked from /runtime alone (checks on the ${thread} thread)`, async (t) => {
    const dir = workdir(t);
    const envoy = await startEnvoy({ config: gatewayBootstrap() });
    t.teardown(() => envoy.stop());
    writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
    const { agent, events } = await agentBeside(t, envoy, join(dir, 'declared.yaml'), dir, ['--check-thread', thread]);
    const from = agent.stderr().length;
    await adminPost(envoy.admin, '/runtime_modify?health_check.min_interval=99');
    const detected = await events.next((e) => e.type === 'drift.detected');
    t.match(detected, { resource: { type: 'runtime', name: 'health_check.min_interval' }, attribution: { source: 'admin runtime override' } });
    t.ok(movedSince(agent, from).includes('runtime'), 'the /runtime poll saw it');
    // The event is journaled before the check's log line is written.
    t.ok(await eventually(async () => (runtimeOnlyChecksSince(agent, from) > 0 ? true : undefined), 'a check from /runtime alone', 10_000), 'checked without a config dump');
    // Undone: the admin layer's value is taken off again, and the cheap check sees that too.
    await adminPost(envoy.admin, '/runtime_modify?health_check.min_interval=');
    const resolved = await events.next((e) => e.type === 'drift.resolved');
    t.match(resolved, { resource: { type: 'runtime', name: 'health_check.min_interval' } });
  });
}

t.test('a cluster changed through filesystem xDS is seen by the file watch', async (t) => {
  const dir = workdir(t);
  const gateway = gatewayFromFiles(dir);
  const { clusters, declared } = gateway;
  const envoy = await startEnvoy({ config: gateway.config, cwd: dir });
  t.teardown(() => envoy.stop());
  const { agent, events } = await agentBeside(t, envoy, declared, dir);
  const from = agent.stderr().length;
  clusters[0]!['connect_timeout'] = '7s';
  gateway.writeClusters();
  const detected = await events.next((e) => e.type === 'drift.detected');
  t.match(detected, { resource: { type: 'cluster', name: clusters[0]!['name'] }, attribution: { source: 'file change' } });
  t.match(agent.stderr().slice(from), /"msg":"xDS file changed"/, 'the file watch saw it');
});

t.test('a restart with another bootstrap is seen by /server_info on the new connection', async (t) => {
  const dir = workdir(t);
  const config = (change?: (b: Bootstrap) => void) => {
    const bootstrap = gatewayBootstrap() as Bootstrap;
    bootstrap['admin'] = { address: { pipe: { path: join(dir, 'admin.sock') } } };
    change?.(bootstrap);
    return bootstrap;
  };
  let envoy = await startEnvoy({ config: config() });
  t.teardown(() => envoy.stop());
  writeFileSync(join(dir, 'declared.yaml'), stringify(config()));
  const { agent, events } = await agentBeside(t, envoy, join(dir, 'declared.yaml'), dir);
  const from = agent.stderr().length;
  // Long enough for the new process's start time to differ from the old one's by more than the uptime's one-second grain.
  await new Promise((r) => setTimeout(r, 3_000));
  envoy = await envoy.restart(config((b) => (b['static_resources'].clusters[0].connect_timeout = '7s')));
  const detected = await events.next((e) => e.type === 'drift.detected');
  t.match(detected, { resource: { type: 'cluster' }, attribution: { source: 'proxy restart' } });
  t.ok(movedSince(agent, from).includes('server_info'), '/server_info on the new connection saw it');
});
