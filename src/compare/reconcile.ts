import { DRIFT_KINDS, type Drift, type DriftKind, type DriftReport } from './drift.js';
import { maxSeverity, type Severity } from '../common/severity-levels.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type { ControlPlaneFacts } from '../declared/control-plane-facts.js';

/** The version the proxy holds a resource at: its own, or that of the resource it was carved out of. */
function liveVersion(live: ResourceSet, key: string): string | undefined {
  let current: string | undefined = key;
  while (current) {
    const found = live.versions?.get(current);
    if (found) return found;
    current = live.resources.get(current)?.parent;
  }
  return undefined;
}

/**
 * Reads a comparison against a control plane's intent the way a push works:
 * a resource that differs only because the proxy has not applied the newest
 * version yet is push lag for `staleGraceMs`, then `stale` (naming both
 * versions, and Envoy's reason when it rejected the update). A proxy's static
 * resource that no declared file speaks for is not the control plane's
 * business. Rejections carry both versions too.
 */
export function reconcileWithIntent(report: DriftReport, facts: ControlPlaneFacts, live: ResourceSet, now: Date): DriftReport {
  const rejections = new Map(report.drift.filter((d) => d.kind === 'rejected').map((d) => [`${d.resourceType}/${d.name}`, (d.details ?? 'rejected by the proxy').replace(/\s+/g, ' ').trim()]));
  const drift: Drift[] = [];
  for (const d of report.drift) {
    const stamp = facts.versions[d.resourceType];
    if (!stamp) {
      drift.push(d);
      continue;
    }
    const key = `${d.resourceType}/${d.name}`;
    const proxy = liveVersion(live, key);
    const versions = { ...(proxy !== undefined ? { proxy } : {}), controlPlane: stamp.version };
    if (d.kind === 'rejected' || d.kind === 'warming') {
      // Without the time of the last attempt: a control plane that resends a refused version
      // (go-control-plane does, in a loop) must not make a new finding of each attempt.
      drift.push({ ...d, versions, ...(d.details ? { details: d.details.replace(/ since \S+$/, '') } : {}) });
      continue;
    }
    // Only what the control plane declares, or the proxy got over xDS, is the control plane's business;
    // a static resource is the declared files' (and, when no file speaks for its type, nobody's).
    if (!facts.keys.has(key) && proxy === undefined) {
      if (d.kind !== 'added' || facts.fileCoverage.includes(d.resourceType)) drift.push(d);
      continue;
    }
    if (proxy === stamp.version) {
      drift.push({ ...d, versions });
      continue;
    }
    if (now.getTime() - stamp.receivedAt < facts.staleGraceMs) continue;
    const rejected = rejections.get(key);
    drift.push({
      ...d,
      kind: 'stale',
      // A proxy that stopped following its control plane serves what nobody means any more.
      severity: maxSeverity(d.severity, 'high'),
      versions,
      details: `the proxy holds ${proxy === undefined ? 'no version' : `version ${proxy}`}; the control plane's is ${stamp.version} since ${new Date(stamp.receivedAt).toISOString()}${rejected ? `; Envoy rejected it: ${rejected}` : ''}`,
    });
  }
  // Past the grace, a stale resource's finding names the rejection too: one finding per resource.
  const staleKeys = new Set(drift.filter((d) => d.kind === 'stale').map((d) => `${d.resourceType}/${d.name}`));
  for (let i = drift.length - 1; i >= 0; i--) if (drift[i]!.kind === 'rejected' && staleKeys.has(`${drift[i]!.resourceType}/${drift[i]!.name}`)) drift.splice(i, 1);
  const services = report.services.map((service) => {
    const mine = drift.filter((d) => d.service === service.name);
    const counts = Object.fromEntries(DRIFT_KINDS.map((k) => [k, mine.filter((d) => d.kind === k).length])) as Record<DriftKind, number>;
    return {
      ...service,
      inSync: mine.length === 0,
      drift: counts,
      severity: mine.reduce<Severity | null>((acc, d) => (acc ? maxSeverity(acc, d.severity) : d.severity), null),
    };
  });
  return { ...report, inSync: drift.length === 0, drift, services };
}
