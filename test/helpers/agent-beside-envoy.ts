import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { EventStream, getJson, startAgent, type RunningAgent } from './agent.js';
import { eventually } from './eventually.js';
import { adminRequest, startEnvoy, type RunningEnvoy } from './envoy.js';
import type { Teardown } from './http-server.js';
import { workdir } from './workdir.js';

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

export const AGENT_TOKEN = 'tok3n';

export interface BesideOptions {
  /** `--remediation` (default: the agent's own, observe). */
  readonly remediation?: string;
  /** `--interval` (default 200ms). */
  readonly interval?: string;
  /** false: no token file, mutating routes off (default: AGENT_TOKEN in `tokenFile`). */
  readonly token?: boolean;
}

/**
 * A real Envoy with the demo bootstrap (declared as it is) and a ready agent
 * beside it, its event stream open; all stopped when the test ends.
 */
export async function agentBesideEnvoy(t: Teardown, options: BesideOptions = {}): Promise<{ dir: string; tokenFile: string; envoy: RunningEnvoy; agent: RunningAgent; events: EventStream }> {
  const dir = workdir(t);
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, AGENT_TOKEN);
  const agent = await startAgent(['--admin', envoy.admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--interval', options.interval ?? '200ms', ...(options.remediation ? ['--remediation', options.remediation] : []), ...(options.token === false ? [] : ['--token-file', tokenFile])]);
  t.teardown(() => agent.stop());
  await ready(agent);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());
  return { dir, tokenFile, envoy, agent, events };
}

/** The proxy's admin-layer runtime overrides, key to value. */
export async function runtimeOverrides(admin: string): Promise<Record<string, unknown>> {
  const response = await adminRequest(admin, '/runtime', 'GET');
  const runtime = (await response.body.json()) as { entries: Record<string, { layer_values: string[] }>; layers: string[] };
  const adminIndex = runtime.layers.indexOf('admin');
  return Object.fromEntries(Object.entries(runtime.entries).filter(([, e]) => e.layer_values[adminIndex]).map(([k, e]) => [k, e.layer_values[adminIndex]]));
}
