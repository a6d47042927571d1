import { isPlainObject } from '../canonical/canonical-json.js';
import type { AdminClient } from '../envoy-admin/admin-client.js';

/**
 * The cheap change signal: the subscription version gauges and update
 * counters Envoy keeps anyway, fetched as one small `/stats` answer. A check
 * (a full config dump) runs only when one of them moved.
 */
export const WATCHED_STATS =
  '^(cluster_manager\\.(cds\\..*|cluster_(added|modified|removed))|listener_manager\\.(lds\\..*|listener_(added|modified|removed|create_failure))|http\\..*\\.rds\\..*\\.(version|update_success|update_rejected|config_reload)|sds\\..*\\.(version|update_success|update_rejected)|runtime\\.(admin_overrides_active|num_keys|load_success|load_error)|server\\.(hot_restart_epoch|state|uptime)|control_plane\\.connected_state)$';

export type StatValues = ReadonlyMap<string, number>;

export async function pollStats(client: AdminClient): Promise<StatValues> {
  const answer = await client.stats(WATCHED_STATS);
  const values = new Map<string, number>();
  const stats = isPlainObject(answer) && Array.isArray(answer['stats']) ? answer['stats'] : [];
  for (const stat of stats) {
    if (isPlainObject(stat) && typeof stat['name'] === 'string' && typeof stat['value'] === 'number') values.set(stat['name'], stat['value']);
  }
  return values;
}

/** What moved between two polls, and what it says about who changed the config. */
export interface StatChange {
  readonly moved: readonly string[];
  readonly attribution: Attribution;
}

export type Attribution = 'admin runtime override' | 'control-plane push' | 'file change' | 'proxy restart' | 'hot restart' | 'unknown';

/** Counters that tick without any config change. */
const NOISE = new Set(['server.uptime']);

export function statChange(previous: StatValues | undefined, current: StatValues, xdsFromFiles: boolean): StatChange | undefined {
  if (!previous) return undefined;
  const moved = [...new Set([...previous.keys(), ...current.keys()])].filter((name) => !NOISE.has(name) && previous.get(name) !== current.get(name)).sort();
  const uptimeBefore = previous.get('server.uptime');
  const uptimeNow = current.get('server.uptime');
  const restarted = uptimeBefore !== undefined && uptimeNow !== undefined && uptimeNow < uptimeBefore;
  if (moved.length === 0 && !restarted) return undefined;
  let attribution: Attribution = 'unknown';
  if (moved.includes('server.hot_restart_epoch')) attribution = 'hot restart';
  else if (restarted) attribution = 'proxy restart';
  else if (moved.some((n) => n.startsWith('runtime.'))) attribution = 'admin runtime override';
  else if (moved.some((n) => /\.(cds|lds|rds|sds)\.|^sds\./.test(n))) attribution = xdsFromFiles ? 'file change' : 'control-plane push';
  return { moved, attribution };
}
