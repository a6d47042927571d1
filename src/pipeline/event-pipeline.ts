import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DriftError, ErrorCodes } from '../errors.js';
import { loadPrivateKey } from '../journal/checkpoint.js';
import { CursorStore } from '../journal/cursor-store.js';
import { DEFAULT_CHECKPOINT_EVERY, DEFAULT_CHECKPOINT_INTERVAL_SECONDS, type JournalConfig } from '../journal/journal-config.js';
import type { CheckpointHead } from '../journal/checkpoint.js';
import { Journal } from '../journal/journal.js';
import { watchCheckpoints } from '../journal/checkpoint-metrics.js';
import type { BackoffOptions } from '../common/backoff.js';
import { createSink } from '../sinks/create-sink.js';
import type { SinkConfig } from '../sinks/sink-config.js';
import { SinkRunner } from '../sinks/sink-runner.js';
import { SinkTelemetry } from '../sinks/sink-telemetry.js';
import type { Sink } from '../sinks/sink.js';
import { proxyIdentityFromEnv, type DriftEvent, type EventInput, type ProxyIdentity } from '../events/event.js';

export interface EventPipelineOptions {
  readonly dataDir: string;
  readonly sinks: readonly SinkConfig[];
  readonly journal?: JournalConfig;
  /** Node id and cluster of the proxy; pod, namespace and node come from the environment. */
  readonly proxy?: ProxyIdentity;
  readonly registry: Registry;
  readonly logger?: Logger;
  readonly stdout?: NodeJS.WritableStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Overrides of each sink's own batch size and backoff (tests, benchmarks). */
  readonly batchSize?: number;
  readonly backoff?: BackoffOptions;
  readonly alarmDelayMs?: number;
}

/**
 * What the agent emits events through: the journal first, then every sink
 * from its own cursor. `emit` resolves once the event is on disk; delivery
 * happens in the background and survives restarts.
 */
export class EventPipeline {
  readonly #options: EventPipelineOptions;
  #journal: Journal | undefined;
  #runners: SinkRunner[] = [];
  #closed = false;

  constructor(options: EventPipelineOptions) {
    this.#options = options;
  }

  get journal(): Journal {
    if (!this.#journal) throw new DriftError(ErrorCodes.JOURNAL_CLOSED, `${this.#options.dataDir}: event pipeline is not started`);
    return this.#journal;
  }

  /** The newest journal head sent to the sinks (shown on /v1/status). */
  get checkpoint(): CheckpointHead | undefined {
    return this.#journal?.lastCheckpoint;
  }

  get runners(): readonly SinkRunner[] {
    return this.#runners;
  }

  /** Opens the journal and starts delivering to every sink. */
  async start(): Promise<void> {
    if (this.#journal) return;
    const { dataDir, sinks: configs, journal: journalConfig } = this.#options;
    const sinks: Sink[] = await Promise.all(configs.map((config) => createSink(config, { dataDir, stdout: this.#options.stdout })));
    const cursors = new CursorStore(dataDir);
    const keyFile = journalConfig?.checkpoint?.keyFile;
    const checkpoint = {
      every: journalConfig?.checkpoint?.every ?? DEFAULT_CHECKPOINT_EVERY,
      intervalMs: (journalConfig?.checkpoint?.intervalSeconds ?? DEFAULT_CHECKPOINT_INTERVAL_SECONDS) * 1000,
      ...(keyFile ? { privateKey: loadPrivateKey(keyFile) } : {}),
    };
    const journal = await Journal.open({
      dataDir,
      segmentBytes: journalConfig?.segmentBytes,
      maxBytes: journalConfig?.maxBytes,
      checkpoint,
      proxy: { ...proxyIdentityFromEnv(this.#options.env), ...this.#options.proxy },
      cursors,
      sinkNames: sinks.map((s) => s.name),
    });
    watchCheckpoints(journal, this.#options.registry);
    journal.on('failure', (error) => this.#options.logger?.error({ err: error, error_code: error.code, stage: 'journal' }, error.message));
    const telemetry = SinkTelemetry.for(this.#options.registry, this.#options.logger);
    this.#runners = sinks.map((sink, index) => {
      const config = configs[index] as SinkConfig;
      return new SinkRunner({
        sink,
        journal,
        cursors,
        telemetry,
        batchSize: this.#options.batchSize ?? config.batchSize,
        backoff: this.#options.backoff ?? config.backoff,
        alarmDelayMs: this.#options.alarmDelayMs,
      });
    });
    this.#journal = journal;
    for (const runner of this.#runners) runner.start();
  }

  /** Appends an event to the journal; resolves with it once it is synced to disk. */
  async emit(input: EventInput): Promise<DriftEvent> {
    const record = await this.journal.add(input);
    return record.event;
  }

  /**
   * Signs the head, then gives every sink up to `timeoutMs` to deliver what
   * the journal holds, and stops them. True when every sink caught up; what
   * is left is delivered after the next start.
   */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    if (!this.#journal) return true;
    await this.#journal.checkpoint().catch(() => undefined);
    const results = await Promise.all(this.#runners.map((runner) => runner.drain(timeoutMs)));
    return results.every(Boolean);
  }

  /** Stops the sinks where they are and closes the journal. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#runners.map((runner) => runner.stop()));
    await this.#journal?.close();
  }
}
