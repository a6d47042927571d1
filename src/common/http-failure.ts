/**
 * The one reading of a failed HTTP exchange, shared by every client the
 * project has (Envoy's admin API, the sinks, the remediation webhook, the
 * CLI calling an agent). Each caller turns the reading into its own error
 * code; what counts as a timeout, as unreachable, or as worth retrying is
 * decided here only.
 */

/**
 * A request that got no HTTP answer. `timeout`: no answer in time (a timer,
 * `AbortSignal.timeout`, a connect/headers/body timeout). `aborted`: the
 * caller gave up. `unreachable`: refused, reset, closed early, no route, a
 * name that does not resolve, a TLS handshake that failed. `reason` is the
 * short code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`) when there is one,
 * else the first line of the message.
 */
export interface TransportFailure {
  readonly kind: 'timeout' | 'aborted' | 'unreachable';
  readonly reason: string;
  readonly message: string;
}

interface ErrorLike {
  readonly code?: unknown;
  readonly name?: unknown;
  readonly message?: unknown;
  readonly cause?: ErrorLike;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function transportFailure(error: unknown): TransportFailure {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const code = text(failure.code) || text(failure.cause?.code);
  const name = text(failure.name);
  const message = (text(failure.message) || String(error)).split('\n')[0] ?? '';
  const kind = name === 'TimeoutError' || /TIMEOUT|TIMEDOUT/.test(code) ? 'timeout' : name === 'AbortError' || code === 'UND_ERR_ABORTED' ? 'aborted' : 'unreachable';
  return { kind, reason: code || message || name || 'connection failed', message: message || code || name || 'connection failed' };
}

/**
 * An answer that is not a success: 408 (the receiver timed out), 429 (too
 * many requests) and 5xx (the receiver's own trouble) are worth retrying;
 * any other status stays until someone changes something (a token, a URL).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After, in seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (!value?.trim()) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface StatusFailure {
  readonly status: number;
  readonly retryable: boolean;
  /** From Retry-After, on a retryable status only. */
  readonly retryAfterMs?: number;
}

/** The reading of a non-2xx answer: whether to retry, and after how long at the least. */
export function statusFailure(status: number, headers: Record<string, string | string[] | undefined> = {}, now: number = Date.now()): StatusFailure {
  const retryable = isRetryableStatus(status);
  const after = retryable ? retryAfterMs(headers['retry-after'], now) : undefined;
  return { status, retryable, ...(after === undefined ? {} : { retryAfterMs: after }) };
}
