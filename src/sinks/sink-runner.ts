import { once } from 'node:events';
import type { CursorStore } from '../journal/cursor-store.js';
import type { Journal } from '../journal/journal.js';
import { JournalReader } from '../journal/journal-reader.js';
import type { JournalRecord } from '../journal/record.js';
import { backoffDelay, type BackoffOptions } from '../common/backoff.js';
import { sleep } from '../common/sleep.js';
import type { Sink } from './sink.js';
import { isSinkError, SinkError, ErrorCodes } from './sink-error.js';
import type { SinkTelemetry } from './sink-telemetry.js';

export interface SinkRunnerOptions {
  readonly sink: Sink;
  readonly journal: Journal;
  readonly cursors: CursorStore;
  readonly telemetry: SinkTelemetry;
  readonly batchSize?: number;
  readonly backoff?: BackoffOptions;
  /** Delay before retrying after a configuration error (the alarm is raised meanwhile). */
  readonly alarmDelayMs?: number;
}

const DEFAULT_SINK_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 60_000 };

/**
 * Delivers the journal to one sink: reads from the sink's own cursor, sends
 * batches, retries with jittered exponential backoff, and moves the cursor
 * only after a batch is delivered. Never throws; failures go to telemetry.
 * One runner per sink, so a dead sink never holds back the others.
 */
export class SinkRunner {
  readonly #options: SinkRunnerOptions;
  readonly #reader: JournalReader;
  readonly #abort = new AbortController();
  readonly #progress = new Set<() => void>();
  #cursor: number;
  #oldestPending: number | undefined;
  #loop: Promise<void> | undefined;
  #alarm = false;

  constructor(options: SinkRunnerOptions) {
    this.#options = options;
    this.#cursor = options.cursors.get(options.sink.name);
    this.#reader = new JournalReader(options.journal, this.#cursor);
    options.telemetry.register(options.sink.name, options.sink.type, {
      lagRecords: () => Math.max(0, options.journal.committedSeq - this.#cursor),
      oldestUndeliveredAgeSeconds: () => (this.#oldestPending === undefined || this.lag === 0 ? 0 : Math.max(0, (Date.now() - this.#oldestPending) / 1000)),
    });
  }

  get name(): string {
    return this.#options.sink.name;
  }

  /** Sequence number of the last record this sink delivered. */
  get cursor(): number {
    return this.#cursor;
  }

  get lag(): number {
    return Math.max(0, this.#options.journal.committedSeq - this.#cursor);
  }

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => this.#options.telemetry.unexpected(this.name, this.#options.sink.type, error));
  }

  /** Resolves once the sink has delivered everything up to `seq`, or when the runner stops. */
  waitFor(seq: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#cursor >= seq) done(true);
        else if (this.#abort.signal.aborted || signal?.aborted) done(false);
      };
      const done = (value: boolean): void => {
        this.#progress.delete(check);
        signal?.removeEventListener('abort', check);
        resolve(value);
      };
      this.#progress.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /** Delivers what the journal holds now, for at most `timeoutMs`, then stops. True when nothing was left behind. */
  async drain(timeoutMs: number): Promise<boolean> {
    const target = this.#options.journal.committedSeq;
    const timeout = new AbortController();
    // Deliberately not unref'd: the caller is waiting on shutdown for this bound, and the runner's own timers are.
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const caughtUp = await this.waitFor(target, timeout.signal);
    clearTimeout(timer);
    await this.stop();
    return caughtUp;
  }

  /** Stops at once; an unfinished batch stays undelivered and is sent again next time. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const check of [...this.#progress]) check();
    await this.#loop;
    await this.#options.sink.close();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const { sink } = this.#options;
    while (!signal.aborted) {
      const batch = await this.#reader.read(this.#options.batchSize ?? 500);
      if (batch.length === 0) {
        await this.#waitForCommit(signal);
        continue;
      }
      this.#oldestPending = Date.parse(batch[0]?.event.time ?? '') || Date.now();
      const delivered = await this.#deliver(batch, signal);
      if (!delivered) return;
      const last = batch[batch.length - 1] as JournalRecord;
      await this.#options.cursors.save(sink.name, last.seq);
      this.#cursor = last.seq;
      this.#oldestPending = undefined;
      for (const check of [...this.#progress]) check();
    }
  }

  /** Sends one batch until it is delivered (true) or the runner stops (false). */
  async #deliver(batch: readonly JournalRecord[], signal: AbortSignal): Promise<boolean> {
    const { sink, telemetry } = this.#options;
    const backoff = this.#options.backoff ?? DEFAULT_SINK_BACKOFF;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const outcome = await sink.send(batch, signal);
        if (outcome.rejected > 0) telemetry.rejected(sink.name, sink.type, outcome.rejected, ErrorCodes.SINK_REJECTED);
        telemetry.delivered(sink.name, sink.type, batch.length - outcome.rejected, (batch[batch.length - 1] as JournalRecord).seq);
        if (this.#alarm) telemetry.recovered(sink.name, sink.type);
        this.#alarm = false;
        return true;
      } catch (thrown) {
        if (signal.aborted) return false;
        const error = isSinkError(thrown)
          ? thrown
          : new SinkError(ErrorCodes.SINK_UNREACHABLE, `${sink.name}: ${(thrown as Error)?.message ?? String(thrown)}`, { retryable: true, cause: thrown });
        const delay = error.retryable ? Math.max(backoffDelay(attempt, backoff), error.retryAfterMs ?? 0) : (this.#options.alarmDelayMs ?? 30_000);
        if (!error.retryable) this.#alarm = true;
        telemetry.retry(sink.name, sink.type, error, attempt + 1, delay);
        await sleep(delay, signal);
      }
    }
    return false;
  }

  async #waitForCommit(signal: AbortSignal): Promise<void> {
    const journal = this.#options.journal;
    const committed = once(journal, 'commit', { signal }).catch(() => undefined);
    if (journal.committedSeq >= this.#reader.nextSeq) return;
    await committed;
  }
}
