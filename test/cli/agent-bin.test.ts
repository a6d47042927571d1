import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { workdir } from '../helpers/workdir.js';

/*
 * `envoy-drift-agent` sets two things that only work at process start (issue
 * 9): V8's young-generation cap and glibc's arena count. Its shebang line is
 * run here as the kernel runs it (the interpreter, its one argument, the
 * file), with tsx for the source, and the running agent's own /proc entries
 * are read. npm links the bin the same way (a symlink to the file, made
 * executable): bench/agent.mjs starts the built bin like this too.
 */

const BIN = join(process.cwd(), 'src', 'cli', 'agent-bin.ts');

t.test('the agent bin starts the agent with its node flag and malloc setting', async (t) => {
  const dir = workdir(t);
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  const [interpreter, argument] = readFileSync(BIN, 'utf8').split('\n')[0]!.slice(2).trim().split(/ (.*)/) as [string, string];
  t.equal(interpreter, '/usr/bin/env', 'env runs it (env -S splits the rest)');
  const child = spawn(interpreter, [argument, BIN, '--admin', 'http://127.0.0.1:1', '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0'], {
    env: { ...process.env, NODE_OPTIONS: '--import tsx' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGTERM'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    // Both lines: "listening on" can come first.
    child.stderr.on('data', () => /listening on/.test(stderr) && /"msg":"agent started"/.test(stderr) && resolve());
    child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${stderr}`)));
  });
  // env replaced itself with node: the same process.
  const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
  const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
  t.match(argv, ['node', '--max-semi-space-size=1', BIN], 'node with the young generation capped');
  t.ok(environ.includes('MALLOC_ARENA_MAX=2'), 'two malloc arenas');
  t.ok(environ.includes('MALLOC_MMAP_THRESHOLD_=131072') && environ.includes('MALLOC_TRIM_THRESHOLD_=131072'), "glibc's mmap and trim thresholds fixed");
  t.match(stderr, /"msg":"agent started"/, 'the agent, without saying `agent`');
  child.kill('SIGTERM');
  t.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
});
