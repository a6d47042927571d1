import { Counter, Gauge, type Registry } from 'prom-client';
import type { DriftError } from '../errors.js';
import type { EventInput } from '../events/event.js';

interface Outage {
  readonly since: string;
  code: string;
  message: string;
  failures: number;
  until?: string;
}

/**
 * Whether the data dir takes writes (the journal, the findings file). A full
 * or read-only disk is an alarm, not a log line: a metric, a readiness reason
 * while it lasts, and an event saying what happened as soon as one can be
 * journaled. Nothing is lost meanwhile: the transitions not journaled are
 * planned again by the next check.
 */
export class WriteHealth {
  readonly #failing: Gauge;
  readonly #errors: Counter;
  #current: Outage | undefined;
  /** The last outage not journaled as an event yet. */
  #owed: Outage | undefined;

  constructor(registry: Registry) {
    this.#failing = new Gauge({ name: 'envoydrift_data_dir_write_failing', help: '1 while the journal or the findings file cannot be written (disk full, read-only): transitions wait, nothing is lost.', registers: [registry] });
    this.#errors = new Counter({ name: 'envoydrift_data_dir_write_errors_total', help: 'Failed writes to the data dir, by errno code.', labelNames: ['code'], registers: [registry] });
    this.#failing.set(0);
  }

  failed(error: DriftError): void {
    const code = errnoOf(error);
    this.#errors.inc({ code });
    this.#failing.set(1);
    if (!this.#current) {
      this.#current = { since: new Date().toISOString(), code, message: error.message, failures: 0 };
      this.#owed = this.#current;
    }
    this.#current.code = code;
    this.#current.message = error.message;
    this.#current.failures += 1;
  }

  succeeded(): void {
    if (!this.#current) return;
    this.#current.until = new Date().toISOString();
    this.#current = undefined;
    this.#failing.set(0);
  }

  /** The reason /readyz gives while writes fail. */
  get reason(): string | undefined {
    const c = this.#current;
    return c ? `data dir not writable since ${c.since} (${c.code}, ${c.failures} failed writes): drift transitions wait until they can be journaled` : undefined;
  }

  /** The event owed for an outage, to journal before anything else. */
  owedEvent(): EventInput | undefined {
    const o = this.#owed;
    if (!o) return undefined;
    const period = o.until ? `from ${o.since} to ${o.until}` : `since ${o.since}`;
    return {
      type: 'journal.write_failed',
      severity: 'high',
      message: `the data dir could not be written ${period} (${o.code}: ${o.message}; ${o.failures} failed writes); drift transitions were held back and are journaled from now on`,
    };
  }

  owedEventJournaled(): void {
    this.#owed = undefined;
  }
}

function errnoOf(error: DriftError): string {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return error.code;
}
