import type { Drift } from '../../compare/drift.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import type { Result } from '../../errors.js';
import type { LiveState } from '../../envoy-admin/live-state.js';
import type { MechanismName } from '../remediation-config.js';

/** What one mechanism is asked to put back: some findings of one service. */
export interface RevertTarget {
  readonly remediationId: string;
  readonly service: string;
  readonly findings: readonly Drift[];
  readonly declared: DeclaredSnapshot;
  readonly live: LiveState;
}

/**
 * A way of getting the declared config back into the proxy, named after how
 * the proxy gets its config. `apply` reports failure as a Result, never by
 * throwing into the agent's loop.
 */
export interface Mechanism {
  readonly name: MechanismName;
  /** undefined when this mechanism can restore the finding, else why it cannot. */
  cannot(finding: Drift, declared: DeclaredSnapshot, live: LiveState): string | undefined;
  /** What `apply` would do, for dry runs and events. */
  describe(target: RevertTarget): string;
  /** On success, a one-line account of what was done. */
  apply(target: RevertTarget): Promise<Result<string>>;
  /**
   * A failure learned after `apply` returned (a NACK from the proxy), for the
   * verification of that remediation; undefined when none is known.
   */
  lateFailure?(remediationId: string): string | undefined;
  close(): Promise<void>;
}

export function findingKey(finding: Pick<Drift, 'resourceType' | 'name'>): string {
  return `${finding.resourceType}/${finding.name}`;
}
