import { Gauge, type Registry } from 'prom-client';
import type { DriftError } from '../errors.js';

/**
 * The state "the admin API answers, but its config dump is unusable"
 * (truncated, garbage, an error status, too slow): not an unreachable proxy,
 * which the stats poll decides. One state for the whole episode, however
 * often the dump fails in it: reported once when it starts and once when it
 * ends, a readiness reason and a metric meanwhile; the agent backs off.
 */
export class DumpHealth {
  readonly #usable: Gauge;
  #failing: { since: string; error: DriftError; failures: number } | undefined;

  constructor(registry: Registry) {
    this.#usable = new Gauge({ name: 'envoydrift_proxy_config_dump_usable', help: '0 while the Envoy admin API answers but its config dump cannot be used (truncated, malformed, an error status, timed out).', registers: [registry] });
    this.#usable.set(1);
  }

  /** Records a failed dump; true when this starts an episode (report it). */
  failed(error: DriftError): boolean {
    this.#usable.set(0);
    if (this.#failing) {
      this.#failing.error = error;
      this.#failing.failures += 1;
      return false;
    }
    this.#failing = { since: new Date().toISOString(), error, failures: 1 };
    return true;
  }

  /** Records a usable dump; the episode that ends, if one was open (report it). */
  succeeded(): { since: string; failures: number } | undefined {
    this.#usable.set(1);
    const ended = this.#failing;
    this.#failing = undefined;
    return ended ? { since: ended.since, failures: ended.failures } : undefined;
  }

  get reason(): string | undefined {
    const f = this.#failing;
    return f ? `the admin API answers but its config dump is unusable since ${f.since} (${f.failures} tries, last: ${f.error.code} ${f.error.message})` : undefined;
  }
}
