import { Gauge, type Registry } from 'prom-client';
import type { Journal } from './journal.js';

/**
 * The newest head sent off the node, as metrics: a collector can alert when
 * the sequence number goes backwards or the timestamp stops moving.
 */
export function watchCheckpoints(journal: Journal, registry: Registry): void {
  const seq = (registry.getSingleMetric('envoydrift_journal_checkpoint_seq') as Gauge | undefined) ?? new Gauge({ name: 'envoydrift_journal_checkpoint_seq', help: 'Sequence number of the newest journal head written as an audit.checkpoint event.', registers: [registry] });
  const time = (registry.getSingleMetric('envoydrift_journal_checkpoint_timestamp_seconds') as Gauge | undefined) ?? new Gauge({ name: 'envoydrift_journal_checkpoint_timestamp_seconds', help: 'When the newest audit.checkpoint event was written.', registers: [registry] });
  journal.on('checkpoint', (head) => {
    seq.set(head.seq);
    time.set(Date.parse(head.time) / 1000);
  });
}
