import t from 'tap';
import { parseJournalConfig } from '../../src/journal/journal-config.js';

t.test('the journal block: strict, and the bound must hold two segments', async (t) => {
  t.same(parseJournalConfig({ segmentBytes: 1048576, maxBytes: 4194304, checkpoint: { every: 100, keyFile: '/k' } }).checkpoint, { every: 100, keyFile: '/k' });
  t.throws(() => parseJournalConfig({ maxbytes: 1 }), { code: 'ED_JOURNAL_CONFIG', message: 'agent config: /journal/maxbytes: unknown key' });
  t.throws(() => parseJournalConfig({ segmentBytes: 1048576, maxBytes: 1048576 }, 'agent.yaml'), { message: 'agent.yaml: /journal/maxBytes: must hold at least two segments (2097152 bytes)' });
  t.same(parseJournalConfig({ checkpoint: { every: 10, intervalSeconds: 5 } }).checkpoint, { every: 10, intervalSeconds: 5 }, 'unsigned checkpoints need no key');
  t.throws(() => parseJournalConfig({ checkpoint: { every: 10, interval: 5 } }), { message: /\/journal\/checkpoint\/interval: unknown key$/ });
});
