import { formatText, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import type { StdoutSinkConfig } from './sink-config.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

/** One line per record; JSON by default. */
export function buildStdoutPayload(format: FormatName, records: readonly JournalRecord[]): string {
  return records.map((record) => `${formatText(format, record)}\n`).join('');
}

export class StdoutSink implements Sink {
  readonly type = 'stdout';
  readonly name: string;
  readonly #format: FormatName;
  readonly #out: NodeJS.WritableStream;

  constructor(config: StdoutSinkConfig, out: NodeJS.WritableStream = process.stdout) {
    this.name = config.name;
    this.#format = config.format ?? 'json';
    this.#out = out;
  }

  send(records: readonly JournalRecord[]): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      this.#out.write(buildStdoutPayload(this.#format, records), (error) => (error ? reject(error) : resolve(DELIVERED)));
    });
  }

  async close(): Promise<void> {}
}
