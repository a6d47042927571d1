/**
 * The one retry backoff: exponential, capped, with equal jitter. The delay
 * after the n-th failure (n from 0) is drawn uniformly from [c/2, c], where
 * c = min(maxMs, initialMs·2ⁿ).
 *
 * Equal jitter, not full jitter ([0, c]): every caller here is one agent
 * retrying one peer (its own Envoy, its control plane, a sink's receiver).
 * The floor of c/2 makes the wait grow with every failure, so a struggling
 * peer is never asked again at once; the random half still spreads a fleet of
 * agents that failed together.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Beyond this many doublings every ceiling in use is at its cap; it keeps 2ⁿ finite. */
const MAX_DOUBLINGS = 30;

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(Math.max(attempt, 0), MAX_DOUBLINGS));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
