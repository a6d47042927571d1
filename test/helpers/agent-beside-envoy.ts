import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { eventually, getJson, type RunningAgent } from './agent.js';

/** A temporary folder removed when the test ends. */
export function workdir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-agent-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The demo bootstrap with its admin on a unix socket, so it keeps its address across restarts. */
export function pipeAdmin(dir: string, change?: (b: Record<string, any>) => void): Record<string, unknown> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const bootstrap = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  bootstrap['admin'] = { address: { pipe: { path: join(dir, 'admin.sock') } } };
  change?.(bootstrap);
  return bootstrap;
}

export async function ready(agent: RunningAgent): Promise<void> {
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'the agent to be ready', 30_000);
}
