import type { JournalRecord } from '../journal/record.js';

/**
 * The contract every sink implements. `send` resolves once the receiver has
 * the batch (by the protocol's own acknowledgement where it has one) and
 * reports how many records it refused for good (dead-lettered). It throws a
 * SinkError for anything else; the runner decides about retrying.
 */
export interface Sink {
  readonly name: string;
  readonly type: string;
  send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}

export interface SendOutcome {
  /** Records the receiver refused for good and that went to the dead-letter file. */
  readonly rejected: number;
}

export const DELIVERED: SendOutcome = Object.freeze({ rejected: 0 });
