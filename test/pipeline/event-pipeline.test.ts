import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import t from 'tap';
import { runCli } from '../../src/cli/main.js';
import { readSegment } from '../../src/journal/segments.js';
import { listSegments, journalDir } from '../../src/journal/segments.js';
import { verifyJournal } from '../../src/journal/verify.js';
import { httpServer } from '../helpers/http-server.js';
import { workdir } from '../helpers/workdir.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = workdir(t, 'envoy-drift-crash-');

// Bundled once, dependencies included, so each of the 50+ processes starts in
// a fifth of the time tsx takes. It lives two levels under the repository (in
// tap's own git-ignored folder) so the sources' relative look-up of
// package.json resolves as it does from src/.
const emitter = join(here, '..', '..', '.tap', 'build', 'crash-emitter.mjs');
t.before(async () => {
  await build({ entryPoints: [join(here, 'fixtures', 'crash-emitter.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: emitter, logLevel: 'error',
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
});

/** A small seeded generator, so a failing run can be replayed with CRASH_SEED. */
function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

interface Run {
  readonly acknowledged: string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Kills after `killAfter` acknowledged events, or `killAtMs` after spawning (which may land in start-up and recovery). */
function runEmitter(args: string[], killAfter: number | undefined, killAtMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [emitter, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const acknowledged: string[] = [];
    let killed = false;
    if (killAtMs !== undefined) {
      setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, killAtMs);
    }
    const maybeKill = (): void => {
      if (!killed && killAfter !== undefined && stdout.includes('ready\n') && acknowledged.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      acknowledged.length = 0;
      for (const match of stdout.matchAll(/^emitted (\S+)$/gm)) acknowledged.push(match[1] as string);
      maybeKill();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (exitCode, signal) => resolve({ acknowledged: [...acknowledged], exitCode, signal, stdout, stderr }));
  });
}

t.test('SIGKILLed 50 times while events flow: every event reaches every sink and the journal verifies', async (t) => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  t.comment(`CRASH_SEED=${seed}`);
  const random = prng(seed);
  const dataDir = join(work, 'data');
  const fileSink = join(work, 'file-sink.ndjson');
  const secretFile = join(work, 'secret');
  writeFileSync(secretFile, 'crash-secret');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(work, 'key.pem');
  const publicKeyFile = join(work, 'key.pub.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));

  const hookIds = new Set<string>();
  const server = await httpServer(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      for (const event of (JSON.parse(Buffer.concat(chunks).toString()) as { events: Array<{ id: string }> }).events) hookIds.add(event.id);
      res.writeHead(204).end();
    });
  });
  const hookUrl = `${server.origin}/hook`;
  const args = (count: number): string[] => [dataDir, hookUrl, fileSink, secretFile, keyFile, String(count)];

  const acknowledged: string[] = [];
  let kills = 0;
  while (kills < 50) {
    const run = random() < 0.5 ? await runEmitter(args(20), Math.floor(random() * 20)) : await runEmitter(args(20), undefined, Math.floor(random() * 250));
    acknowledged.push(...run.acknowledged);
    if (run.signal === 'SIGKILL') kills++;
    else if (run.exitCode !== 0) throw new Error(`the emitter failed on its own (exit ${run.exitCode}): ${run.stderr}`);
  }
  const last = await runEmitter(args(10), undefined);
  t.equal(last.exitCode, 0, last.stderr);
  t.match(last.stdout, /drained true/, 'the final run drains every sink');
  acknowledged.push(...last.acknowledged);

  const journalRecords = listSegments(journalDir(dataDir)).flatMap((s) => readSegment(s.path).records);
  const journalIds = journalRecords.map((r) => r.event.id);
  const checkpointIds = journalRecords.filter((r) => r.event.type === 'audit.checkpoint').map((r) => r.event.id);
  const fileIds = new Set(
    existsSync(fileSink)
      ? readFileSync(fileSink, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('{') && line.endsWith('}'))
          .map((line) => (JSON.parse(line) as { id: string }).id)
      : [],
  );
  t.ok(acknowledged.length > 100, `${acknowledged.length} acknowledged events over ${kills} kills`);
  t.same(acknowledged.filter((id) => !journalIds.includes(id)), [], 'every acknowledged event is in the journal');
  t.same(journalIds.filter((id) => !fileIds.has(id)), [], 'every journal record reached the file sink');
  t.same(journalIds.filter((id) => !hookIds.has(id)), [], 'every journal record reached the webhook');
  t.ok(checkpointIds.length > 10 && checkpointIds.every((id) => fileIds.has(id) && hookIds.has(id)), 'signed checkpoints were forwarded to both sinks');
  const report = verifyJournal(dataDir, { publicKey });
  t.same(report.breaks, [], 'the journal verifies');
  t.ok(report.checkpoints > 10, `${report.checkpoints} signed checkpoints`);
  const out: string[] = [];
  const code = await runCli(['audit', 'verify', dataDir, '--public-key', publicKeyFile], { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: {} });
  t.equal(code, 0, out.join(''));
});
