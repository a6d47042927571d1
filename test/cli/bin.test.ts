import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workdir } from '../helpers/workdir.js';

/* The process around the CLI: a reader that closes the pipe early (`| head -1`) ends it quietly, with its real exit code. */

t.test('a closed stdout pipe: no stack trace, the real exit code', async (t) => {
  const dir = workdir(t, 'envoy-drift-bin-');
  const clusters = Array.from({ length: 3000 }, (_, i) => `  - name: c${i}\n    connect_timeout: 1s\n    type: STATIC\n`).join('');
  writeFileSync(join(dir, 'big.yaml'), `static_resources:\n  clusters:\n${clusters}`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'src', 'cli', 'bin.ts'), 'hash', '--declared', join(dir, 'big.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // Read one chunk, then close the pipe like `head -1` does.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 0, 'hash succeeded: exit 0');
  t.equal(stderr, '', 'nothing on stderr');
});
