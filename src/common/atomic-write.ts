import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * The one way a file is replaced: the content goes to a temporary file in the
 * same folder (so the rename stays on one file system), the file is fsynced,
 * renamed over the target, and the folder is fsynced so the rename itself
 * survives a power loss. Readers see the old file or the new one, never half
 * of one; a failure removes the temporary file and leaves the old file.
 */
export interface AtomicWriteOptions {
  /** Permission bits of a new file (default 0o644, before the umask). */
  readonly mode?: number;
}

function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    const file = await open(temporary, 'w', options.mode ?? 0o644);
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Makes a file's creation, rename or removal in `dir` durable. */
export async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** The same, synchronously, for code that must not yield between the write and what follows. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const temporary = temporaryPath(path);
  try {
    const fd = openSync(temporary, 'w', options.mode ?? 0o644);
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  const folder = openSync(dirname(path), 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}
