/**
 * The one error catalogue. Every failure that can reach a user has a stable
 * code here; callers match on `code`, never on the message. Messages are one
 * line and name the file, field or address they are about.
 */
export const ErrorCodes = {
  USAGE: 'ED_USAGE',
  FILE_NOT_FOUND: 'ED_FILE_NOT_FOUND',
  FILE_TOO_LARGE: 'ED_FILE_TOO_LARGE',
  FILE_UNREADABLE: 'ED_FILE_UNREADABLE',
  PARSE: 'ED_PARSE',
  SCHEMA: 'ED_SCHEMA',
  UNKNOWN_RESOURCE_TYPE: 'ED_UNKNOWN_RESOURCE_TYPE',
  DUPLICATE_RESOURCE: 'ED_DUPLICATE_RESOURCE',
  MANIFEST: 'ED_MANIFEST',
  LOCK_MISMATCH: 'ED_LOCK_MISMATCH',
  ADMIN_UNREACHABLE: 'ED_ADMIN_UNREACHABLE',
  ADMIN_TIMEOUT: 'ED_ADMIN_TIMEOUT',
  ADMIN_HTTP_STATUS: 'ED_ADMIN_HTTP_STATUS',
  ADMIN_BAD_RESPONSE: 'ED_ADMIN_BAD_RESPONSE',
  ADMIN_TOO_LARGE: 'ED_ADMIN_TOO_LARGE',
  PROTO_REGISTRY: 'ED_PROTO_REGISTRY',
  SERVICE_UNKNOWN: 'ED_SERVICE_UNKNOWN',
  INTERNAL: 'ED_INTERNAL',
  // events, journal and sinks
  EVENT_INVALID: 'ED_EVENT_INVALID',
  JOURNAL_CONFIG: 'ED_JOURNAL_CONFIG',
  JOURNAL_IO: 'ED_JOURNAL_IO',
  JOURNAL_CLOSED: 'ED_JOURNAL_CLOSED',
  JOURNAL_LOCKED: 'ED_JOURNAL_LOCKED',
  CHECKPOINT_KEY: 'ED_CHECKPOINT_KEY',
  SINK_CONFIG: 'ED_SINK_CONFIG',
  SINK_UNREACHABLE: 'ED_SINK_UNREACHABLE',
  SINK_TIMEOUT: 'ED_SINK_TIMEOUT',
  SINK_RETRYABLE_STATUS: 'ED_SINK_RETRYABLE_STATUS',
  SINK_REJECTED: 'ED_SINK_REJECTED',
  SINK_MISCONFIGURED: 'ED_SINK_MISCONFIGURED',
  SINK_ACK_LOST: 'ED_SINK_ACK_LOST',
  SINK_ACK_DISABLED: 'ED_SINK_ACK_DISABLED',
  SINK_BAD_RESPONSE: 'ED_SINK_BAD_RESPONSE',
  // remediation
  REMEDIATION_CONFIG: 'ED_REMEDIATION_CONFIG',
  PROPOSAL_NOT_FOUND: 'ED_PROPOSAL_NOT_FOUND',
  PROPOSAL_NOT_PENDING: 'ED_PROPOSAL_NOT_PENDING',
  REMEDIATION_APPLY: 'ED_REMEDIATION_APPLY',
  WEBHOOK_FAILED: 'ED_WEBHOOK_FAILED',
  ADS_SERVER: 'ED_ADS_SERVER',
  // control plane (the declaration from xDS)
  CONTROL_PLANE_UNREACHABLE: 'ED_CONTROL_PLANE_UNREACHABLE',
  CONTROL_PLANE_TIMEOUT: 'ED_CONTROL_PLANE_TIMEOUT',
  // the agent's endpoint: the `error` of its JSON error answers, and the remediate command's failures
  AGENT_HTTP: 'ED_AGENT_HTTP',
  AGENT_UNAUTHORIZED: 'ED_AGENT_UNAUTHORIZED',
  AGENT_FORBIDDEN: 'ED_AGENT_FORBIDDEN',
  AGENT_BAD_REQUEST: 'ED_AGENT_BAD_REQUEST',
  AGENT_NOT_FOUND: 'ED_AGENT_NOT_FOUND',
  AGENT_METHOD_NOT_ALLOWED: 'ED_AGENT_METHOD_NOT_ALLOWED',
  AGENT_NO_CHECK_YET: 'ED_AGENT_NO_CHECK_YET',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class DriftError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DriftError';
    this.code = code;
  }
}

export type Result<T, E = DriftError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E = DriftError>(error: E): Result<never, E> => ({ ok: false, error });

export function isDriftError(value: unknown): value is DriftError {
  return value instanceof DriftError;
}

/** Turns anything thrown into a DriftError, keeping the original as `cause`. */
export function asDriftError(value: unknown, code: ErrorCode = ErrorCodes.INTERNAL): DriftError {
  if (isDriftError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new DriftError(code, message.split('\n')[0] ?? message, { cause: value });
}
