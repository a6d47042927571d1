/*
 * Pure helpers of the status page (no DOM): how values are written. The shapes
 * are the agent's JSON routes, read at this boundary with no trust in them.
 */

export const DRIFT_KINDS = ['added', 'removed', 'modified', 'rejected', 'warming'] as const;

/** A declared or live value, as the page shows it: formatted JSON, or absent. */
export function formatValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value, null, 2);
}

/** The command that approves a proposal (the token stays with whoever runs it). */
export function approveCommand(id: string, endpoint: string): string {
  return `envoy-drift remediate approve ${shellQuote(id)} --agent ${shellQuote(endpoint)} --token-file <token-file> --by "$USER"`;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** "3.2 s", "140 ms" */
export function duration(ms: unknown): string | undefined {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** A time as the reader's clock shows it, with how long ago. */
export function when(iso: unknown, now = Date.now()): string | undefined {
  if (typeof iso !== 'string') return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  const ago = seconds < 90 ? `${seconds} s ago` : seconds < 5400 ? `${Math.round(seconds / 60)} min ago` : `${Math.round(seconds / 3600)} h ago`;
  return `${new Date(at).toLocaleString()} (${ago})`;
}

/** A short hash for reading; the full one is in the title. */
export function shortHash(hash: unknown): string | undefined {
  return typeof hash === 'string' ? (hash.length > 16 ? `${hash.slice(0, 16)}…` : hash) : undefined;
}
