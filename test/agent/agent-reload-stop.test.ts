import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { startEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/* SIGTERM while a large declaration is being reloaded: a clean exit 0, no unhandled "journal is closed". */

t.test('SIGTERM during a reload exits cleanly', async (t) => {
  const dir = workdir(t, 'envoy-drift-reload-stop-');
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  const agent = await startAgent(['--admin', envoy.admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--log-level', 'info']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'ready', 30_000);

  // A declaration that takes the worker a while to load (thousands of clusters).
  const big = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < 2000; i++) {
    big['static_resources']['clusters'].push({ name: `bulk-${i}`, connect_timeout: '1s', type: 'STATIC', load_assignment: { cluster_name: `bulk-${i}`, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1000 + i } } } }] }] } });
  }
  writeFileSync(declared, stringify(big));
  // The watcher fires within milliseconds; the worker needs seconds for this one: SIGTERM lands mid-load.
  await new Promise((r) => setTimeout(r, 300));
  const code = await agent.stop('SIGTERM');
  t.equal(code, 0, agent.stderr());
  t.notMatch(agent.stderr(), /journal is closed|Unhandled|unhandled/);
});
