import { DriftError, ErrorCodes, type ErrorCode } from '../errors.js';

/**
 * A failed delivery. `retryable` failures (the receiver is down, busy or lost
 * an acknowledgement) are retried with backoff; the others are configuration
 * problems (bad token, unknown index): they raise the sink's alarm and are
 * retried slowly, so a fix to the credentials file is picked up without a
 * restart and nothing is dropped.
 */
export class SinkError extends DriftError {
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(code, message, { cause: options.cause });
    this.name = 'SinkError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isSinkError(value: unknown): value is SinkError {
  return value instanceof SinkError;
}

/** Network failures (refused, reset, timed out) are retryable. */
export function unreachable(address: string, error: unknown): SinkError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const timeout = /TIMEOUT|ETIMEDOUT/.test(code);
  return new SinkError(timeout ? ErrorCodes.SINK_TIMEOUT : ErrorCodes.SINK_UNREACHABLE, `${address}: ${(error as Error)?.message ?? String(error)}`, {
    retryable: true,
    cause: error,
  });
}

/** Retry-After in seconds or as an HTTP date, in milliseconds. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export { ErrorCodes };
