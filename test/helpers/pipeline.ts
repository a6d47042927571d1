import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Test } from 'tap';
import { EventPipeline, type EventPipelineOptions } from '../../src/pipeline/event-pipeline.js';
import type { SinkConfig } from '../../src/sinks/sink-config.js';
import { workdir } from './workdir.js';

export interface TestPipeline {
  readonly pipeline: EventPipeline;
  readonly registry: Registry;
  readonly logs: Array<Record<string, unknown>>;
  readonly dataDir: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** A started pipeline in a fresh data dir, with fast backoff, captured logs and its own registry; closed and removed after the test. */
export async function startPipeline(t: Test, sinks: SinkConfig[], options: Partial<EventPipelineOptions> = {}): Promise<TestPipeline> {
  const dataDir = options.dataDir ?? workdir(t, 'envoy-drift-pipeline-');
  const registry = new Registry();
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const pipeline = new EventPipeline({ sinks, registry, logger, backoff: { initialMs: 5, maxMs: 50 }, proxy: { nodeId: 'node-1', cluster: 'web' }, ...options, dataDir });
  await pipeline.start();
  t.teardown(() => pipeline.close());
  return {
    pipeline,
    registry,
    logs,
    dataDir,
    async metric(name, labels = {}) {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
      return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
    },
  };
}
