import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

/* Only regular files (or symlinks to them) are read; a FIFO, a dangling symlink and a symlink loop are passed over, and said. */

const dir = workdir(t, 'envoy-drift-special-');

t.test('a FIFO given as the declaration: exit 2 at once, naming it', async (t) => {
  const fifo = join(dir, 'x.yaml');
  execFileSync('mkfifo', [fifo]);
  for (const command of [['hash', '--declared', fifo], ['diff', fifo, fifo]]) {
    const result = await cli(command);
    t.equal(result.code, 2, command.join(' '));
    t.match(result.stderr, /x\.yaml: not a regular file \(a FIFO\)/);
  }
});

t.test('a folder with a FIFO, a dangling symlink and a loop: the rest is read, the skipped said', async (t) => {
  const folder = join(dir, 'snapshot');
  mkdirSync(folder);
  writeFileSync(join(folder, 'bootstrap.yaml'), stringify(gatewayBootstrap()));
  symlinkSync(join(folder, 'bootstrap.yaml'), join(folder, 'linked.yml.txt'));
  execFileSync('mkfifo', [join(folder, 'pipe.yaml')]);
  symlinkSync(join(folder, 'gone.yaml'), join(folder, 'dangling.yaml'));
  symlinkSync('.', join(folder, 'loop'));
  const result = await cli(['hash', '--declared', folder]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /\(root\)/);
  t.match(result.stderr, /skipped .*pipe\.yaml: a FIFO, not a regular file/);
  t.match(result.stderr, /skipped .*dangling\.yaml: a dangling symlink/);
  t.match(result.stderr, /skipped .*loop: a folder already read \(symlink loop\)/);
});
