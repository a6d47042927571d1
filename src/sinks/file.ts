import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatText, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import type { FileSinkConfig } from './sink-config.js';
import { ErrorCodes, SinkError } from './sink-error.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

export function buildFilePayload(format: FormatName, records: readonly JournalRecord[]): string {
  return records.map((record) => `${formatText(format, record)}\n`).join('');
}

/** NDJSON appended to a file and synced before a batch counts as delivered. */
export class FileSink implements Sink {
  readonly type = 'file';
  readonly name: string;
  readonly #path: string;
  readonly #format: FormatName;
  #handle: FileHandle | undefined;

  constructor(config: FileSinkConfig) {
    this.name = config.name;
    this.#path = config.path;
    this.#format = config.format ?? 'json';
  }

  async send(records: readonly JournalRecord[]): Promise<SendOutcome> {
    try {
      const handle = (this.#handle ??= await this.#open());
      await handle.write(buildFilePayload(this.#format, records));
      await handle.datasync();
      return DELIVERED;
    } catch (error) {
      await this.close();
      throw new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#path}: ${(error as Error).message}`, { retryable: true, cause: error });
    }
  }

  /** Opens for append; a line torn by a crash is ended so the next record starts on its own line. */
  async #open(): Promise<FileHandle> {
    await mkdir(dirname(this.#path), { recursive: true });
    const handle = await open(this.#path, 'a+');
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write('\n');
    }
    return handle;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}
