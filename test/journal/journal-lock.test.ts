import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalLock } from '../../src/journal/journal-lock.js';
import { workdir } from '../helpers/workdir.js';

/** A PID that names no process: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

t.test('two openers in one process race: exactly one wins, the other is refused', async (t) => {
  const dir = workdir(t, 'ed-lock-');
  const results = await Promise.allSettled([JournalLock.acquire(dir), JournalLock.acquire(dir), JournalLock.acquire(dir)]);
  const won = results.filter((r) => r.status === 'fulfilled');
  t.equal(won.length, 1);
  for (const r of results) if (r.status === 'rejected') t.match(r.reason, { code: 'ED_JOURNAL_LOCKED' });
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), String(process.pid));
  await (won[0] as PromiseFulfilledResult<JournalLock>).value.release();
  t.notOk(existsSync(join(dir, 'lock')), 'released');
  const again = await JournalLock.acquire(dir);
  await again.release();
});

t.test('two processes race on a stale lock: exactly one wins', async (t) => {
  const dir = workdir(t, 'ed-lock-');
  writeFileSync(join(dir, 'lock'), String(await deadPid()));
  const script = `
    const { JournalLock } = await import(${JSON.stringify(new URL('../../src/journal/journal-lock.ts', import.meta.url).href)});
    await new Promise((r) => process.stdin.once('data', r));
    try { await JournalLock.acquire(${JSON.stringify(dir)}); console.log('won'); } catch (error) { console.log(error.code); }
    await new Promise((r) => process.stdin.once('data', r));`;
  const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  t.teardown(() => children.forEach((c) => c.kill()));
  const answers = children.map(
    (child) =>
      new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
      }),
  );
  // Both children have loaded the module before either starts: the acquisitions overlap.
  await new Promise((r) => setTimeout(r, 1_500));
  for (const child of children) child.stdin.write('go\n');
  const results = (await Promise.all(answers)).sort();
  t.same(results, ['ED_JOURNAL_LOCKED', 'won']);
  for (const child of children) child.stdin.end('done\n');
  await Promise.all(children.map((c) => once(c, 'exit')));
});

t.test('a lock naming a dead process, or this PID from a previous run, is stale and taken', async (t) => {
  const dir = workdir(t, 'ed-lock-');
  writeFileSync(join(dir, 'lock'), String(await deadPid()));
  const first = await JournalLock.acquire(dir);
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), String(process.pid));
  await first.release();
  // A container restarts its agent under the same PID: the lock names us, but this process does not hold it.
  writeFileSync(join(dir, 'lock'), String(process.pid));
  const second = await JournalLock.acquire(dir);
  await second.release();
  writeFileSync(join(dir, 'lock'), 'not a pid');
  const third = await JournalLock.acquire(dir);
  await third.release();
});

t.test('a lock naming a live process is refused, with its PID', async (t) => {
  const dir = workdir(t, 'ed-lock-');
  writeFileSync(join(dir, 'lock'), String(process.ppid));
  await t.rejects(JournalLock.acquire(dir), { code: 'ED_JOURNAL_LOCKED', message: new RegExp(`in use by process ${process.ppid}`) });
  t.equal(readFileSync(join(dir, 'lock'), 'utf8'), String(process.ppid), 'left alone');
});
