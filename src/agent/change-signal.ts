import type { CheckSummary } from './check-protocol.js';
import { restartBetween, type ProcessIdentity } from './light-poll.js';
import { adminRequestCount, statChange, uptimeDropped, type Attribution, type StatChange, type StatValues } from './stats-poller.js';

/**
 * What the agent remembers of the proxy between polls, to tell that its
 * state moved and why: the runtime's fingerprint, the Envoy process (start
 * time, hot-restart epoch, the check's process marker), the watched stats.
 */
export class ChangeSignal {
  /** The runtime's fingerprint at the last poll. */
  #runtime: string | undefined;
  /** The Envoy process last seen (start time, hot-restart epoch). */
  #process: ProcessIdentity | undefined;
  #processMarker: string | undefined;
  #knownRequests: number | undefined;
  #lastStats: StatValues | undefined;
  #xdsFromFiles = false;

  /** Whether /server_info is worth its cost: a new connection (the process behind the old one may be gone), or none known yet. */
  needsIdentity(newConnection: boolean): boolean {
    return newConnection || !this.#process;
  }

  /** The process behind the admin now: a restart when it is not the one seen before. */
  identity(identity: ProcessIdentity | undefined): 'proxy restart' | 'hot restart' | undefined {
    const restart = restartBetween(this.#process, identity);
    if (identity) this.#process = identity;
    return restart;
  }

  /** The runtime's fingerprint now; true when it moved since the last poll. */
  runtime(fingerprint: string): boolean {
    const moved = this.#runtime !== undefined && fingerprint !== this.#runtime;
    this.#runtime = fingerprint;
    return moved;
  }

  /** A stats scan: what moved since the last one (a restart when the counters went back). */
  stats(stats: StatValues): StatChange | undefined {
    const requests = adminRequestCount(stats);
    const restarted = (requests !== undefined && this.#knownRequests !== undefined && requests < this.#knownRequests) || uptimeDropped(this.#lastStats, stats);
    if (requests !== undefined) this.#knownRequests = requests;
    const change = statChange(this.#lastStats, stats, this.#xdsFromFiles, restarted);
    this.#lastStats = stats;
    return change;
  }

  /** A complete check: its attribution, corrected to a restart when the process marker changed. */
  checked(summary: CheckSummary, attribution: Attribution): Attribution {
    this.#xdsFromFiles = summary.xdsFromFiles;
    // A new process marker is a restart, whatever the stats said (they can miss a quick one).
    const restarted = summary.processMarker && this.#processMarker && summary.processMarker !== this.#processMarker && attribution !== 'hot restart';
    if (summary.processMarker) this.#processMarker = summary.processMarker;
    return restarted ? 'proxy restart' : attribution;
  }
}

/**
 * Whether what moved in one step is the runtime alone, so that `/runtime` is
 * enough to check it. A stats scan in the same step sees the runtime's own
 * counters move with it (`runtime.load_success`,
 * `runtime.admin_overrides_active`): those do not ask for the config dump.
 */
export function onlyRuntimeMoved(moved: readonly string[]): boolean {
  return moved.includes('runtime') && moved.every((m) => m === 'runtime' || m.startsWith('runtime.'));
}
