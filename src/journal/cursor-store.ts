import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';

/**
 * One file per sink under <data-dir>/cursors holding the sequence number of
 * the last record that sink has delivered. Written atomically, so a crash
 * leaves the old or the new value; an old value only means a re-delivery.
 */
export class CursorStore {
  readonly #dir: string;
  readonly #values = new Map<string, number>();

  constructor(dataDir: string) {
    this.#dir = join(dataDir, 'cursors');
    mkdirSync(this.#dir, { recursive: true });
  }

  /** The last delivered sequence number, 0 when the sink has delivered nothing yet. */
  get(sink: string): number {
    const cached = this.#values.get(sink);
    if (cached !== undefined) return cached;
    let value = 0;
    try {
      const parsed = JSON.parse(readFileSync(this.#path(sink), 'utf8')) as { seq?: unknown };
      if (typeof parsed.seq === 'number' && Number.isSafeInteger(parsed.seq) && parsed.seq >= 0) value = parsed.seq;
    } catch {
      value = 0;
    }
    this.#values.set(sink, value);
    return value;
  }

  async save(sink: string, seq: number): Promise<void> {
    await writeFileAtomic(this.#path(sink), `${JSON.stringify({ seq })}\n`);
    this.#values.set(sink, seq);
  }

  #path(sink: string): string {
    return join(this.#dir, `${sink}.json`);
  }
}
