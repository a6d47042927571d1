import { open } from 'node:fs/promises';
import type { Journal } from './journal.js';
import { readRecordLine, type JournalRecord } from './record.js';
import type { SegmentFile } from './segments.js';

const INITIAL_CHUNK = 256 * 1024;

/**
 * A sink's own read position in the journal. It only returns committed
 * records, and when the size bound dropped the segment it was in, it moves on
 * to the oldest record still there (the journal has written a delivery.gap).
 */
export class JournalReader {
  readonly #journal: Journal;
  #nextSeq: number;
  #segment: SegmentFile | undefined;
  #offset = 0;

  constructor(journal: Journal, afterSeq: number) {
    this.#journal = journal;
    this.#nextSeq = afterSeq + 1;
  }

  /** Sequence number of the next record this reader will return. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Up to `maxRecords` committed records after the last one returned; empty when caught up. */
  async read(maxRecords: number): Promise<JournalRecord[]> {
    const out: JournalRecord[] = [];
    let chunkSize = INITIAL_CHUNK;
    while (out.length < maxRecords && this.#nextSeq <= this.#journal.committedSeq) {
      const segments = this.#journal.segments();
      if (!this.#segment || !segments.some((s) => s.firstSeq === this.#segment?.firstSeq)) this.#locate(segments);
      const segment = this.#segment;
      if (!segment) break;
      let chunk: Buffer;
      try {
        chunk = await readAt(segment.path, this.#offset, chunkSize);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          this.#segment = undefined;
          continue;
        }
        throw error;
      }
      const following = segments.find((s) => s.firstSeq > segment.firstSeq);
      if (chunk.length === 0) {
        if (!following) break;
        this.#segment = following;
        this.#offset = 0;
        continue;
      }
      let start = 0;
      let consumedLine = false;
      for (let end = chunk.indexOf(0x0a); end >= 0 && out.length < maxRecords; end = chunk.indexOf(0x0a, start)) {
        const record = readRecordLine(chunk.toString('utf8', start, end));
        if (record && record.seq > this.#journal.committedSeq) break;
        start = end + 1;
        consumedLine = true;
        if (!record || record.seq < this.#nextSeq) continue;
        out.push(record);
        this.#nextSeq = record.seq + 1;
      }
      this.#offset += start;
      if (!consumedLine) {
        if (chunk.length < chunkSize) break;
        chunkSize *= 2;
      }
    }
    return out;
  }

  #locate(segments: readonly SegmentFile[]): void {
    let found: SegmentFile | undefined;
    for (const s of segments) if (s.firstSeq <= this.#nextSeq) found = s;
    if (!found) {
      found = segments[0];
      if (found) this.#nextSeq = found.firstSeq;
    }
    this.#segment = found;
    this.#offset = 0;
  }
}

async function readAt(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
