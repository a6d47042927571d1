import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DriftError, ErrorCodes } from '../errors.js';

/** Lock files this process holds or is creating: a second opener in the same process sees its own PID, and is refused too. */
const held = new Set<string>();
/** About two seconds of waiting on lock files being created or broken. */
const MAX_ATTEMPTS = 200;

/**
 * One writer per journal folder. The lock file is created with O_EXCL and
 * names its process; a lock whose process is gone is stale and broken. Our
 * own PID in a lock we do not hold is a previous incarnation's (a container
 * restarts its agent under the same PID).
 */
export class JournalLock {
  private constructor(private readonly path: string) {}

  static async acquire(dir: string): Promise<JournalLock> {
    const path = join(dir, 'lock');
    for (let attempt = 0; ; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new DriftError(ErrorCodes.JOURNAL_LOCKED, `${dir}: the journal lock stays contended (a ${path}.break left by a crash can be removed)`);
      if (await createExclusive(path)) return new JournalLock(path);
      const holder = await readHolder(path);
      if (holder === 'gone') continue;
      // An empty file: its creator is between creating and writing it; a crash there leaves it empty for good.
      if (holder === 'empty' && attempt < 50) {
        await sleep(10);
        continue;
      }
      if (holder !== 'empty' && holderAlive(path, holder)) throw new DriftError(ErrorCodes.JOURNAL_LOCKED, `${dir}: journal is in use by process ${holder}`);
      await breakStale(path, holder);
    }
  }

  /** Removes the lock file if it is still this process's. */
  async release(): Promise<void> {
    if (!held.delete(this.path)) return;
    try {
      if ((await readFile(this.path, 'utf8')) === String(process.pid)) await unlink(this.path);
    } catch {
      // already gone
    }
  }
}

type Holder = number | 'empty' | 'gone';

/** Creates `path` naming this process, or answers false when it exists. */
async function createExclusive(path: string): Promise<boolean> {
  if (held.has(path)) return false;
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  held.add(path);
  try {
    await handle.writeFile(String(process.pid));
  } catch (error) {
    held.delete(path);
    await handle.close();
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return true;
}

async function readHolder(path: string): Promise<Holder> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  const pid = Number(text);
  // Not a PID at all: nobody can be holding it.
  return text === '' ? 'empty' : Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

function holderAlive(path: string, pid: number): boolean {
  if (pid === process.pid) return held.has(path);
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock. Breakers take turns through a second O_EXCL file, and
 * each removes the lock only if it still names the stale holder: two openers
 * that both found it stale never remove the lock the faster one just took.
 */
async function breakStale(path: string, stale: Holder): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await createExclusive(breaker))) {
    const other = await readHolder(breaker);
    if (typeof other === 'number' && !holderAlive(breaker, other)) await unlink(breaker).catch(() => undefined);
    else await sleep(10);
    return;
  }
  try {
    if ((await readHolder(path)) === stale) await unlink(path).catch(() => undefined);
  } finally {
    held.delete(breaker);
    await unlink(breaker).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
