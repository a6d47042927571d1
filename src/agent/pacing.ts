import { backoffDelay } from '../common/backoff.js';
import type { AgentConfig } from './agent-config.js';
import { PollCost } from './poll-cost.js';

/** How long a watched xDS file change keeps every step scanning the stats. */
const FILE_CHANGE_SCAN_MS = 3_000;

/**
 * When the agent polls and checks: the stats scan's interval stretched to the
 * admin budget, the backoff after failures, the burst of scans after a
 * watched xDS file changed, and the full check every few minutes.
 */
export class Pacing {
  /** Time Envoy usually takes to answer a stats poll (one slow answer does not stretch the interval). */
  readonly pollCost = new PollCost();
  /** Time Envoy usually takes to answer the per-interval /runtime poll: part of the same budget. */
  readonly lightCost = new PollCost();
  /** When the next stats scan is due. */
  #nextScanAt = 0;
  /** Until when every step scans the stats: a watched xDS file changed, and Envoy may still be applying it. */
  #scanUntil = 0;
  #lastFullCheck = 0;
  /** Checks that failed in a row (an unusable dump, a journal that refused its events). */
  #checkFailures = 0;

  constructor(private readonly config: Pick<AgentConfig, 'intervalMs' | 'maxBackoffMs' | 'adminBudget' | 'fullCheckIntervalMs'>) {}

  get checkFailures(): number {
    return this.#checkFailures;
  }

  /**
   * The stats scan's interval, stretched so that the scans keep Envoy's admin
   * (its main thread, which also applies config) busy for at most the admin
   * budget: a proxy with thousands of clusters makes each scan cost more. The
   * per-interval `/runtime` poll costs a fraction of a millisecond.
   */
  effectiveIntervalMs(): number {
    // The /runtime polls take their share of the budget first (never all of it: the scan still runs, at worst four times rarer).
    const scanBudget = Math.max(this.config.adminBudget - this.lightCost.ms / this.config.intervalMs, this.config.adminBudget / 4);
    const paced = this.pollCost.ms / scanBudget;
    return Math.round(Math.min(Math.max(this.config.intervalMs, this.config.maxBackoffMs), Math.max(this.config.intervalMs, paced)));
  }

  /** The wait before the next step, given the polls that failed in a row. */
  nextDelay(pollFailures: number): number {
    const failures = Math.max(pollFailures, this.#checkFailures);
    if (failures === 0 && Date.now() < this.#scanUntil) return Math.min(this.config.intervalMs, 250);
    if (failures === 0) return this.config.intervalMs;
    // Backoff while the proxy does not answer, or its dump keeps failing.
    return backoffDelay(failures, { initialMs: this.config.intervalMs, maxMs: this.config.maxBackoffMs });
  }

  /** Whether this step scans the stats. */
  scanDue(): boolean {
    return Date.now() >= this.#nextScanAt || Date.now() < this.#scanUntil;
  }

  /** A stats scan answered in `tookMs`. */
  scanned(tookMs: number): void {
    this.pollCost.record(tookMs);
    this.#nextScanAt = Date.now() + this.effectiveIntervalMs() - this.config.intervalMs / 2;
  }

  /** A scan saw the proxy's state move: the burst after a file change has done its job. */
  moved(): void {
    this.#scanUntil = 0;
  }

  /** A watched xDS file changed: every step scans for a few seconds (Envoy applies it through its own watch). */
  xdsFileChanged(): void {
    this.#scanUntil = Date.now() + FILE_CHANGE_SCAN_MS;
  }

  fullCheckDue(): boolean {
    return Date.now() - this.#lastFullCheck >= this.config.fullCheckIntervalMs;
  }

  /** A check succeeded; one that read part of the proxy again (`/runtime` alone, or the sections that moved: `full` false) leaves the full check's clock where it is. */
  checkSucceeded(full = true): void {
    this.#checkFailures = 0;
    if (full) this.#lastFullCheck = Date.now();
  }

  checkFailed(): void {
    this.#checkFailures += 1;
  }
}
