import t from 'tap';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/common/atomic-write.js';
import { workdir } from '../helpers/workdir.js';

const dir = workdir(t, 'envoy-drift-atomic-');

for (const [name, write] of [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (...args: Parameters<typeof writeFileAtomicSync>) => writeFileAtomicSync(...args)],
] as const) {
  t.test(`${name} replaces a file whole and leaves no temporary file`, async (t) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, 'old');
    await write(path, '{"new":true}\n');
    t.equal(readFileSync(path, 'utf8'), '{"new":true}\n');
    await write(path, Buffer.from('bytes'));
    t.equal(readFileSync(path, 'utf8'), 'bytes');
    t.same(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  t.test(`${name} gives a new file the mode asked for, 0644 by default`, async (t) => {
    const path = join(dir, `${name}-mode`);
    await write(path, 'x');
    t.equal(statSync(path).mode & 0o777, 0o644 & ~process.umask());
    await write(`${path}-private`, 'x', { mode: 0o600 });
    t.equal(statSync(`${path}-private`).mode & 0o777, 0o600);
  });

  t.test(`${name} fails without leaving a temporary file`, async (t) => {
    // A folder where the file should go: the rename fails after the temporary file was written and synced.
    const into = join(dir, `${name}-folder`);
    mkdirSync(join(into, 'occupied'), { recursive: true });
    await t.rejects(write(join(into, 'occupied'), 'new'));
    t.same(readdirSync(into), ['occupied']);
    await t.rejects(write(join(dir, 'missing-folder', 'file'), 'x'));
  });
}
