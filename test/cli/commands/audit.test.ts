import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../../../src/cli/main.js';
import { Journal } from '../../../src/journal/journal.js';
import { journalDir, listSegments } from '../../../src/journal/segments.js';
import { driftInput } from '../../helpers/records.js';
import { workdir } from '../../helpers/workdir.js';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} });
  return { code, stdout, stderr };
}

const dir = workdir(t, 'envoy-drift-audit-');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyFile = join(dir, 'key.pub.pem');
writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));

t.before(async () => {
  const journal = await Journal.open({ dataDir: join(dir, 'data'), checkpoint: { every: 10, privateKey } });
  for (let i = 0; i < 30; i++) await journal.add(driftInput(i));
  await journal.close();
});

t.test('audit verify: exit 0 and a summary for an intact journal', async (t) => {
  const result = await cli(['audit', 'verify', join(dir, 'data'), '--public-key', publicKeyFile]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^33 valid \/ 33 total records \(seq 1-33\); 3 checkpoints, 3 signed by key [0-9a-f]{16} \(pinned\); intact\ntail deletion cannot be ruled out: without --anchor, /);
});

t.test('audit verify: one line per break and a non-zero exit', async (t) => {
  const segment = listSegments(journalDir(join(dir, 'data')))[0]?.path ?? '';
  const original = readFileSync(segment, 'utf8');
  t.teardown(() => writeFileSync(segment, original));
  const content = original.split('\n');
  content[4] = (content[4] as string).replace('"high"', '"low"');
  content.splice(20, 1);
  writeFileSync(segment, content.join('\n'));
  const result = await cli(['audit', 'verify', join(dir, 'data')]);
  t.equal(result.code, 1);
  const out = result.stdout.trim().split('\n');
  t.match(out, [/:5: hash-mismatch at seq 5: /, /:21: sequence-gap at seq 22: records 21-21 are missing/, /^30 valid \/ 32 total records .*; 2 breaks$/, /^tail deletion cannot be ruled out/]);
});

t.test('audit: usage errors and a missing journal exit 2 with one line', async (t) => {
  const usage = await cli(['audit', 'check', dir]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /^envoy-drift audit: expected "audit verify <data-dir>"/);
  const missing = await cli(['audit', 'verify', join(dir, 'nope')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /nope\/journal: no journal here/);
});
