import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Records a receiver refused for good (a mapping error, a malformed field),
 * appended as NDJSON to <data-dir>/dead-letter/<sink>.ndjson and synced, so
 * counting them as handled never loses them.
 */
export class DeadLetterFile {
  readonly path: string;

  constructor(dataDir: string, sink: string) {
    this.path = join(dataDir, 'dead-letter', `${sink}.ndjson`);
  }

  async write(entries: readonly Record<string, unknown>[]): Promise<void> {
    if (entries.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a');
    try {
      await handle.write(entries.map((entry) => `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`).join(''));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}
