import type { Severity } from '../common/severity-levels.js';

export const REMEDIATION_EVENT_TYPES = [
  'remediation.proposed',
  'remediation.approved',
  'remediation.rejected',
  'remediation.expired',
  'remediation.applied',
  'remediation.verified',
  'remediation.failed',
  'remediation.skipped',
  'remediation.halted',
] as const;
export type RemediationEventType = (typeof REMEDIATION_EVENT_TYPES)[number];

/** Every step of a remediation, for the agent's event sinks and audit journal. */
export interface RemediationEvent {
  readonly type: RemediationEventType;
  readonly service: string;
  readonly severity: Severity;
  readonly proposalId?: string;
  /** `<resourceType>/<name>` */
  readonly findingKey?: string;
  readonly mechanism?: string;
  readonly dryRun: boolean;
  readonly detail: string;
}
