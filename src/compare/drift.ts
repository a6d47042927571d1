import { apiReport, type ApiReport, type UnknownCounts } from '../proto/api-report.js';
import type { JsonValue } from '../canonical/canonical-json.js';
import type { RemediationMode } from '../declared/manifest.js';
import type { ResourceType } from '../resources/resource.js';
import type { Severity } from '../common/severity-levels.js';

export const DRIFT_KINDS = ['added', 'removed', 'modified', 'rejected', 'warming', 'stale'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftPath {
  readonly path: string;
  readonly declared?: JsonValue;
  readonly live?: JsonValue;
}

/** One finding: a resource that differs from, or is missing against, its declaration. */
export interface Drift {
  readonly service: string;
  readonly kind: DriftKind;
  readonly resourceType: ResourceType;
  readonly name: string;
  readonly severity: Severity;
  /** Why the severity is what it is (security rules that fired). */
  readonly reasons: readonly string[];
  readonly paths: readonly DriftPath[];
  readonly declaredHash?: string;
  readonly liveHash?: string;
  /** For rejected or warming resources: what the proxy said. */
  readonly details?: string;
  /** With a control plane: the version the proxy holds and the control plane's current one. */
  readonly versions?: { readonly proxy?: string; readonly controlPlane: string };
}

export interface ServiceSummary {
  readonly name: string;
  readonly inSync: boolean;
  readonly remediation: RemediationMode;
  readonly declaredResources: number;
  readonly liveResources: number;
  readonly declaredRoot: string;
  readonly liveRoot: string;
  readonly drift: Readonly<Record<DriftKind, number>>;
  readonly severity: Severity | null;
}

export interface IgnoredSummary {
  readonly rule: string;
  readonly service?: string;
  readonly resource?: string;
  readonly path: string;
  readonly reason: string;
  readonly expires?: string;
  readonly expired: boolean;
  /** Field differences this rule suppressed in this run. */
  readonly suppressed: number;
}

export interface ProxySummary {
  readonly admin?: string;
  readonly nodeId?: string;
  readonly cluster?: string;
  readonly version?: string;
  readonly state?: string;
  readonly declaredRoot: string;
  readonly liveRoot: string;
}

export interface DriftReport {
  readonly inSync: boolean;
  readonly checkedAt: string;
  readonly proxy: ProxySummary;
  readonly services: readonly ServiceSummary[];
  readonly drift: readonly Drift[];
  readonly ignored: readonly IgnoredSummary[];
  readonly coverage: { readonly compared: readonly ResourceType[]; readonly notCompared: readonly string[] };
  readonly unknown: UnknownCounts;
  readonly hashesOnly: boolean;
  /** The Envoy API the comparison decoded with (src/proto/api-report.ts). */
  readonly api?: ApiReport;
}

/** The report with the API it was decoded with. */
export function withApiReport(report: DriftReport): DriftReport {
  return { ...report, api: apiReport(report.proxy.version, report.unknown) };
}
