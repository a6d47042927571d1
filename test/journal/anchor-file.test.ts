import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { newestClaim, parseAnchorFile } from '../../src/journal/anchor-file.js';
import { signCheckpoint } from '../../src/journal/checkpoint.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

t.test('json checkpoints, ocsf and ecs positions, SIEM export wrappers', async (t) => {
  const lines = [
    JSON.stringify({ id: '1', type: 'audit.checkpoint', checkpoint: { seq: 9, hash: H1 } }),
    JSON.stringify({ metadata: {}, unmapped: { journal: { seq: 12, hash: H2 } } }),
    JSON.stringify({ '@timestamp': 't', envoy_drift: { journal: { seq: '3', hash: H1 } } }),
    JSON.stringify({ result: { _raw: JSON.stringify({ checkpoint: { seq: 20, hash: H2 } }) } }),
    'not json at all',
  ];
  const anchor = parseAnchorFile('x.ndjson', lines.join('\n'));
  t.same(anchor.claims.map((c) => [c.seq, c.reached, c.line]), [[9, 10, 1], [12, 12, 2], [3, 3, 3], [20, 21, 4]]);
  t.equal(anchor.skipped, 1);
  t.equal(newestClaim(anchor)?.reached, 21);
  const array = parseAnchorFile('x.json', JSON.stringify([{ _source: { envoy_drift: { checkpoint: { seq: 4, hash: H1 } } } }]));
  t.same(array.claims.map((c) => c.reached), [5]);
});

t.test('a forged signed checkpoint is not an anchor', async (t) => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const good = signCheckpoint(privateKey, 5, H1);
  const forged = { ...good, seq: 500 };
  const anchor = parseAnchorFile('x', [JSON.stringify({ checkpoint: good }), JSON.stringify({ checkpoint: forged })].join('\n'));
  t.same(anchor.claims.map((c) => c.seq), [5]);
  t.same(anchor.badSignatures, [2]);
});
