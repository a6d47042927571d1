import { statusFailure, transportFailure } from '../common/http-failure.js';
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
  const failure = transportFailure(error);
  return new SinkError(failure.kind === 'timeout' ? ErrorCodes.SINK_TIMEOUT : ErrorCodes.SINK_UNREACHABLE, `${address}: ${failure.message}`, { retryable: true, cause: error });
}

/** An HTTP answer that is not a success: 408, 429 and 5xx are retried (not before Retry-After), any other raises the alarm. */
export function statusError(message: string, response: { readonly status: number; readonly headers: Record<string, string | string[] | undefined> }): SinkError {
  const { retryable, retryAfterMs } = statusFailure(response.status, response.headers);
  return new SinkError(retryable ? ErrorCodes.SINK_RETRYABLE_STATUS : ErrorCodes.SINK_MISCONFIGURED, message, { retryable, retryAfterMs });
}

export { ErrorCodes };
