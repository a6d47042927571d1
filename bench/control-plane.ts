// Benchmark: how soon the agent reports a push its proxy rejects. A real
// go-control-plane (the test fixture) feeds a real Envoy over ADS; the agent
// (default --interval 1s and --admin-budget 2%) follows the same control
// plane. Each round pushes a version Envoy takes, waits until the agent is in
// sync, then pushes a listener Envoy refuses and times the push (the PUT to
// the control plane) to the agent's `drift.detected` event (SSE).
//   node --import tsx bench/control-plane.ts [rounds=15]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriftReport } from '../src/compare/drift.js';
import { catalogSnapshot } from '../test/fixtures/control-plane-snapshots.js';
import { EventStream, getJson, startAgent } from '../test/helpers/agent.js';
import { eventually } from '../test/helpers/eventually.js';
import { adsBootstrap, allAt, startControlPlane, waitForStats } from '../test/helpers/control-plane.js';
import { startEnvoy } from '../test/helpers/envoy.js';

const ROUNDS = Number(process.argv[2] ?? 15);
const NODE = 'bench-edge';
const work = mkdtempSync(join(tmpdir(), 'envoy-drift-cp-bench-'));
const controlPlane = await startControlPlane();
await controlPlane.put(NODE, catalogSnapshot('0'));
const envoy = await startEnvoy({ config: adsBootstrap(controlPlane.address), nodeId: NODE });
await waitForStats(envoy.admin, allAt('0'));
const agent = await startAgent(['--admin', envoy.admin, '--control-plane', controlPlane.address, '--data-dir', join(work, 'data')]);
const events = await EventStream.open(agent.endpoint);
const inSync = () => eventually(async () => ((await getJson<DriftReport>(`${agent.endpoint}/v1/drift`)).body.inSync ? true : undefined), 'the agent in sync', 60_000);

const latencies: number[] = [];
const intervals: number[] = [];
try {
  await inSync();
  for (let round = 1; round <= ROUNDS; round++) {
    const good = String(round * 2);
    await controlPlane.put(NODE, catalogSnapshot(good, { timeout: `${round}s` }));
    await waitForStats(envoy.admin, allAt(good));
    await inSync();
    const bad = catalogSnapshot(String(round * 2 + 1), { timeout: `${round}s` });
    (bad.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config as Record<string, unknown>)['stat_prefix'] = '';
    const from = events.events.length;
    const pushed = performance.now();
    await controlPlane.put(NODE, bad);
    await events.next((e) => events.events.indexOf(e) >= from && e.type === 'drift.detected' && / rejected: /.test(e.message), 30_000);
    latencies.push(performance.now() - pushed);
    intervals.push((await getJson<{ agent: { effectiveIntervalMs: number } }>(`${agent.endpoint}/v1/status`)).body.agent.effectiveIntervalMs);
    process.stderr.write(`round ${round}: ${Math.round(latencies.at(-1)!)} ms\n`);
  }
} finally {
  events.close();
  await agent.stop();
  await envoy.stop();
  await controlPlane.stop();
  rmSync(work, { recursive: true, force: true });
}
const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
const paced = [...intervals].sort((a, b) => a - b);
console.log(`\n| rejected pushes | median | p90 | min | max | agent's paced stats interval (median, same run) |\n|---|---|---|---|---|---|\n| ${ROUNDS} | ${at(0.5)} ms | ${at(0.9)} ms | ${Math.round(sorted[0]!)} ms | ${Math.round(sorted.at(-1)!)} ms | ${paced[Math.floor(paced.length / 2)]} ms |`);
