import type { DriftError } from '../errors.js';

/**
 * Whether the proxy's admin answers: the state behind `proxy.unreachable` and
 * `proxy.recovered`, readiness, and the count the backoff grows with.
 */
export class ProxyReachability {
  #reachable: boolean | undefined;
  #lastError: string | undefined;
  #failures = 0;

  /** Undefined until the first poll. */
  get reachable(): boolean | undefined {
    return this.#reachable;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Polls failed in a row. */
  get failures(): number {
    return this.#failures;
  }

  /** A poll failed; true when the proxy just became unreachable (the one event to emit). */
  failed(error: DriftError): boolean {
    this.#failures += 1;
    this.#lastError = error.message;
    if (this.#reachable === false) return false;
    this.#reachable = false;
    return true;
  }

  /** A poll answered (after `proxy.recovered` is journaled, when it was unreachable: a failed journal write retries it). */
  answered(): void {
    this.#reachable = true;
    this.#failures = 0;
    this.#lastError = undefined;
  }

  /** The admin answers but a check failed (its config dump is unusable): shown as the last error. */
  checkFailed(error: DriftError): void {
    this.#lastError = error.message;
  }
}
