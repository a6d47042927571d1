import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { SinkError } from './sink-error.js';

/**
 * The one place sink runners report what happens: every internal event is
 * logged with pino and counted with prom-client, with the same labels.
 */
export interface SinkState {
  /** Committed journal records not yet delivered by this sink. */
  lagRecords(): number;
  /** Age in seconds of the oldest record this sink has not delivered, 0 when caught up. */
  oldestUndeliveredAgeSeconds(): number;
}

export class SinkTelemetry {
  readonly #delivered: Counter<'sink' | 'type'>;
  readonly #failed: Counter<'sink' | 'type' | 'error_code'>;
  readonly #retries: Counter<'sink' | 'type' | 'error_code'>;
  readonly #alarm: Gauge<'sink' | 'type'>;
  readonly #states = new Map<string, { type: string; state: SinkState }>();
  #logger: Logger | undefined;

  static readonly #byRegistry = new WeakMap<Registry, SinkTelemetry>();

  /** One instance per registry, so a pipeline started again in the same process reuses its metrics. */
  static for(registry: Registry, logger?: Logger): SinkTelemetry {
    const existing = SinkTelemetry.#byRegistry.get(registry);
    if (existing) {
      existing.#logger = logger ?? existing.#logger;
      return existing;
    }
    const created = new SinkTelemetry(registry, logger);
    SinkTelemetry.#byRegistry.set(registry, created);
    return created;
  }

  constructor(registry: Registry, logger?: Logger) {
    this.#logger = logger;
    const states = this.#states;
    this.#delivered = new Counter({ name: 'envoydrift_sink_delivered_total', help: 'Journal records delivered, per sink.', labelNames: ['sink', 'type'], registers: [registry] });
    this.#failed = new Counter({
      name: 'envoydrift_sink_failed_total',
      help: 'Journal records the receiver refused for good (written to the dead-letter file), per sink.',
      labelNames: ['sink', 'type', 'error_code'],
      registers: [registry],
    });
    this.#retries = new Counter({ name: 'envoydrift_sink_retries_total', help: 'Failed delivery attempts that will be retried, per sink.', labelNames: ['sink', 'type', 'error_code'], registers: [registry] });
    this.#alarm = new Gauge({ name: 'envoydrift_sink_alarm', help: '1 while the sink is failing on a configuration error (bad token, unknown index).', labelNames: ['sink', 'type'], registers: [registry] });
    new Gauge({
      name: 'envoydrift_sink_lag_records',
      help: 'Committed journal records the sink has not delivered yet.',
      labelNames: ['sink', 'type'],
      registers: [registry],
      collect() {
        for (const [sink, { type, state }] of states) this.set({ sink, type }, state.lagRecords());
      },
    });
    new Gauge({
      name: 'envoydrift_sink_oldest_undelivered_age_seconds',
      help: 'Age of the oldest event the sink has not delivered yet; 0 when caught up.',
      labelNames: ['sink', 'type'],
      registers: [registry],
      collect() {
        for (const [sink, { type, state }] of states) this.set({ sink, type }, state.oldestUndeliveredAgeSeconds());
      },
    });
  }

  register(sink: string, type: string, state: SinkState): void {
    this.#states.set(sink, { type, state });
    this.#delivered.inc({ sink, type }, 0);
    this.#alarm.set({ sink, type }, 0);
  }

  delivered(sink: string, type: string, count: number, lastSeq: number): void {
    this.#delivered.inc({ sink, type }, count);
    this.#logger?.debug({ sink, type, count, lastSeq }, 'sink delivered');
  }

  rejected(sink: string, type: string, count: number, errorCode: string): void {
    this.#failed.inc({ sink, type, error_code: errorCode }, count);
    this.#logger?.warn({ sink, type, count, error_code: errorCode }, 'sink receiver refused records; written to the dead-letter file');
  }

  retry(sink: string, type: string, error: SinkError, attempt: number, delayMs: number): void {
    this.#retries.inc({ sink, type, error_code: error.code });
    const fields = { sink, type, error_code: error.code, error_type: error.retryable ? 'retryable' : 'configuration', stage: 'sending', attempt, delay_ms: delayMs };
    if (error.retryable) this.#logger?.warn(fields, error.message);
    else this.#logger?.error(fields, error.message);
    if (!error.retryable) this.#alarm.set({ sink, type }, 1);
  }

  recovered(sink: string, type: string): void {
    this.#alarm.set({ sink, type }, 0);
  }

  unexpected(sink: string, type: string, error: unknown): void {
    this.#logger?.error({ sink, type, err: error, stage: 'processing' }, 'sink runner failed unexpectedly');
  }
}
