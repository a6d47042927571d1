import { isPlainObject } from '../canonical/canonical-json.js';
import type { AdminClient } from '../envoy-admin/admin-client.js';

/**
 * The cheap change signal: the subscription version gauges and update
 * counters Envoy keeps anyway, fetched as one small `/stats` answer. A check
 * (a full config dump) runs only when one of them moved.
 */
export const WATCHED_STATS =
  '^(cluster_manager\\.(cds\\..*|cluster_(added|modified|removed))|listener_manager\\.(lds\\..*|listener_(added|modified|removed|create_failure))|http\\..*\\.rds\\..*\\.(version|update_success|update_rejected|config_reload)|sds\\..*\\.(version|update_success|update_rejected)|runtime\\.(admin_overrides_active|num_keys|load_success|load_error)|server\\.(hot_restart_epoch|state|uptime)|http\\.admin\\.downstream_rq_total|control_plane\\.connected_state)$';

export interface StatValues {
  readonly values: ReadonlyMap<string, number>;
  /** Wall-clock time of the poll. */
  readonly at: number;
  /** How long Envoy took to answer: its admin work is on its main thread, so the agent paces itself by it. */
  readonly tookMs: number;
}

export async function pollStats(client: AdminClient, now: () => number = Date.now): Promise<StatValues> {
  const started = now();
  // A stat never written reads as absent rather than 0, which compares the same way.
  const answer = await client.stats(WATCHED_STATS, { usedOnly: true });
  const values = new Map<string, number>();
  const stats = isPlainObject(answer) && Array.isArray(answer['stats']) ? answer['stats'] : [];
  for (const stat of stats) {
    if (isPlainObject(stat) && typeof stat['name'] === 'string' && typeof stat['value'] === 'number') values.set(stat['name'], stat['value']);
  }
  const at = now();
  return { values, at, tookMs: at - started };
}

/** What moved between two polls, and what it says about who changed the config. */
export interface StatChange {
  readonly moved: readonly string[];
  readonly attribution: Attribution;
}

export type Attribution = 'admin runtime override' | 'control-plane push' | 'file change' | 'proxy restart' | 'hot restart' | 'unknown';


/**
 * The admin's own request counter: counters are live (gauges such as
 * `server.uptime` change only at each stats flush, every 5 s), it rises with
 * every poll, and a new process starts it again from zero. So a restart
 * shows as this counter going down, however quick the restart was.
 */
export const ADMIN_REQUESTS = 'http.admin.downstream_rq_total';


export function adminRequestCount(stats: StatValues): number | undefined {
  return stats.values.get(ADMIN_REQUESTS);
}

/**
 * `server.uptime` is set at each stats flush (every 5 s), so it lags, but a
 * new process shows it back at 0 (or not yet written) until its first flush:
 * a drop says restart even when the admin counter of the new process has
 * already caught up with the old one's.
 */
const UPTIME = 'server.uptime';

/** Stats that tick without any config change. */
const NOISE = new Set([ADMIN_REQUESTS, UPTIME]);

export function uptimeDropped(previous: StatValues | undefined, current: StatValues): boolean {
  const before = previous?.values.get(UPTIME);
  if (before === undefined || before === 0) return false;
  return (current.values.get(UPTIME) ?? 0) < before;
}

/**
 * What moved since the last poll. `restarted` comes from the caller, who
 * tracks the admin request counter across polls, including while the proxy
 * did not answer.
 */
export function statChange(previous: StatValues | undefined, current: StatValues, xdsFromFiles: boolean, restarted = false): StatChange | undefined {
  if (!previous) return restarted ? { moved: [], attribution: 'proxy restart' } : undefined;
  const names = new Set([...previous.values.keys(), ...current.values.keys()]);
  const moved = [...names].filter((name) => !NOISE.has(name) && previous.values.get(name) !== current.values.get(name)).sort();
  if (moved.length === 0 && !restarted) return undefined;
  let attribution: Attribution = 'unknown';
  if (moved.includes('server.hot_restart_epoch')) attribution = 'hot restart';
  else if (restarted) attribution = 'proxy restart';
  else if (moved.some((n) => n.startsWith('runtime.'))) attribution = 'admin runtime override';
  else if (moved.some((n) => /\.(cds|lds|rds|sds)\.|^sds\./.test(n))) attribution = xdsFromFiles ? 'file change' : 'control-plane push';
  return { moved, attribution };
}
