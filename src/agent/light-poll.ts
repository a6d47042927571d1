import { createHash } from 'node:crypto';
import { isPlainObject } from '../canonical/canonical-json.js';
import type { AdminClient } from '../envoy-admin/admin-client.js';

/**
 * The per-interval change signal, cheap for Envoy whatever its size:
 * `/runtime` alone (its answer is the runtime's layers and keys, a few
 * hundred bytes; an admin runtime override changes it), over a kept-alive
 * connection whose replacement says the process behind it may have changed.
 * A stats scan (stats-poller.ts) walks every stat name on Envoy's main thread
 * and costs tens of milliseconds beside 1,000 clusters, so it runs less often,
 * paced by the admin budget (bench/README.md, "Footprint (issue 9)").
 */
export interface LightPoll {
  /** Hash of the runtime's entries and layers, independent of key order. */
  readonly runtime: string;
  /** The answer came over a new connection (the first poll, or the old one was closed). */
  readonly newConnection: boolean;
  readonly tookMs: number;
}

export async function pollLight(client: AdminClient, now: () => number = performance.now.bind(performance)): Promise<LightPoll> {
  const started = now();
  const { text, newConnection } = await client.probe('/runtime');
  return { runtime: runtimeFingerprint(text), newConnection, tookMs: now() - started };
}

export function runtimeFingerprint(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return createHash('sha256').update(text).digest('hex');
  }
  const entries = isPlainObject(parsed) && isPlainObject(parsed['entries']) ? parsed['entries'] : {};
  const hash = createHash('sha256').update(JSON.stringify(isPlainObject(parsed) ? (parsed['layers'] ?? null) : null));
  // Envoy writes the keys of these objects in no fixed order: only values are hashed, by name.
  for (const key of Object.keys(entries).sort()) {
    const entry = entries[key];
    const values = isPlainObject(entry) ? [entry['final_value'], entry['layer_values']] : [entry];
    hash.update('\u0000').update(key).update('\u0000').update(JSON.stringify(values));
  }
  return hash.digest('hex');
}

/** When a process started (from its uptime) and its hot-restart epoch, from `/server_info`. */
export interface ProcessIdentity {
  readonly startedAtMs: number;
  readonly epoch?: number;
}

export function processIdentity(serverInfo: unknown, nowMs: number = Date.now()): ProcessIdentity | undefined {
  if (!isPlainObject(serverInfo)) return undefined;
  const uptime = Number(String(serverInfo['uptime_current_epoch'] ?? '').replace(/s$/, ''));
  if (!Number.isFinite(uptime)) return undefined;
  const options = isPlainObject(serverInfo['command_line_options']) ? serverInfo['command_line_options'] : {};
  const epoch = typeof options['restart_epoch'] === 'number' ? options['restart_epoch'] : undefined;
  return { startedAtMs: nowMs - uptime * 1000, ...(epoch !== undefined ? { epoch } : {}) };
}

/**
 * Whether the process changed. The uptime is given in whole seconds, so a
 * start time that moved by less than two seconds is the same process.
 */
export function restartBetween(before: ProcessIdentity | undefined, after: ProcessIdentity | undefined): 'proxy restart' | 'hot restart' | undefined {
  if (!before || !after) return undefined;
  if (before.epoch !== after.epoch) return 'hot restart';
  return after.startedAtMs - before.startedAtMs > 2_000 ? 'proxy restart' : undefined;
}
