import t from 'tap';
import { Counter, Registry } from 'prom-client';
import { AgentEvents } from '../../src/agent/agent-events.js';
import { WriteHealth } from '../../src/agent/write-health.js';
import { DriftError, ErrorCodes } from '../../src/errors.js';
import type { DriftEvent, EventInput } from '../../src/events/event.js';
import type { EventPipeline } from '../../src/pipeline/event-pipeline.js';

t.test('journaled first, then the listeners; a write outage is one event, journaled before the next', async (t) => {
  const registry = new Registry();
  const journaled: EventInput[] = [];
  let full = false;
  const pipeline = {
    emit: async (input: EventInput) => {
      if (full) throw new DriftError(ErrorCodes.JOURNAL_IO, 'ENOSPC: no space left on device');
      journaled.push(input);
      return { ...input, id: String(journaled.length) } as unknown as DriftEvent;
    },
  } as unknown as EventPipeline;
  const writeHealth = new WriteHealth(registry);
  const events = new AgentEvents({ pipeline: () => pipeline, proxy: () => ({ nodeId: 'n1' }), writeHealth, counter: new Counter({ name: 'events', help: 'events', labelNames: ['type'], registers: [registry] }) });
  const seen: string[] = [];
  const unsubscribe = events.subscribe((event) => seen.push(event.type));
  await events.emit({ type: 'agent.started', severity: 'info', message: 'started' });
  t.match(journaled, [{ type: 'agent.started', proxy: { nodeId: 'n1' } }]);
  t.same(seen, ['agent.started']);
  full = true;
  await t.rejects(events.emit({ type: 'drift.detected', severity: 'high', message: 'x' }), { code: 'ED_JOURNAL_IO' });
  await t.rejects(events.write(async () => Promise.reject(new DriftError(ErrorCodes.JOURNAL_IO, 'findings.json: ENOSPC'))));
  t.ok(writeHealth.reason, 'not ready while writes fail');
  t.same(seen, ['agent.started'], 'nothing unjournaled reaches the listeners');
  full = false;
  await events.emit({ type: 'drift.detected', severity: 'high', message: 'x' });
  t.same(journaled.map((e) => e.type), ['agent.started', 'journal.write_failed', 'drift.detected']);
  t.equal(writeHealth.reason, undefined);
  unsubscribe();
  await events.emit({ type: 'agent.stopped', severity: 'info', message: 'stopped' });
  t.same(seen, ['agent.started', 'journal.write_failed', 'drift.detected']);
});
