import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { startEnvoy } from '../helpers/envoy.js';
import { getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { workdir } from '../helpers/workdir.js';

/*
 * Pacing by Envoy's admin cost must follow the proxy's usual cost, not one
 * outlier: a proxy frozen for a few seconds (SIGSTOP, a long GC-like stall)
 * answers one poll very late, and the interval must be back to normal at the
 * next poll, not stretched to the maximum for a minute (issue 11, fault 14).
 */

interface Status {
  agent: { intervalMs: number; effectiveIntervalMs: number; nextDelayMs: number; consecutiveFailures: number };
}

t.test('one slow poll from a frozen proxy does not stretch the interval', async (t) => {
  const dir = workdir(t, 'envoy-drift-pacing-');
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  // Budget 50 %: a usual poll (a few ms) paces nothing; a 3 s one alone would ask for 6 s.
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--admin-budget', '50%', '--max-backoff', '30s', '--timeout', '10s']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
  const polls = async () => Number(/envoydrift_admin_requests_total\{kind="stats"\} (\d+)/.exec((await getJson<string>(`${agent.endpoint}/metrics`)).body)?.[1] ?? 0);
  // A few usual polls first, so the agent knows the proxy's usual cost.
  const first = await polls();
  await eventually(async () => ((await polls()) >= first + 5 ? true : undefined), 'five polls');

  envoy.signal('SIGSTOP');
  await new Promise((r) => setTimeout(r, 3_000));
  const frozen = await polls();
  envoy.signal('SIGCONT');
  // The poll that was waiting on the frozen proxy completes; the next ones follow at the usual interval.
  await eventually(async () => ((await polls()) >= frozen + 3 ? true : undefined), 'three polls after the thaw', 15_000);
  const status = (await getJson<Status>(`${agent.endpoint}/v1/status`)).body;
  t.equal(status.agent.consecutiveFailures, 0, 'the slow poll was answered, not failed');
  t.equal(status.agent.effectiveIntervalMs, status.agent.intervalMs, 'the interval is the configured one again');
});
