import type { Drift } from '../compare/drift.js';
import type { EventInput } from '../events/event.js';
import type { RemediationEvent } from '../remediation/remediation-event.js';
import type { Transition } from './finding-store.js';
import type { Attribution } from './stats-poller.js';

/** A runtime finding under `/admin_override`, or a runtime key nobody declared, was set through the admin whatever moved the proxy. */
export function attributeFinding(drift: Drift, trigger: Attribution): Attribution {
  if (drift.resourceType === 'runtime' && drift.paths.some((p) => p.path.startsWith('/admin_override'))) return 'admin runtime override';
  if (drift.resourceType === 'runtime' && drift.kind === 'added') return 'admin runtime override';
  return trigger;
}

/** The event a finding's transition (detected, changed, reminded, resolved) is journaled as. */
export function findingEvent(transition: Transition): EventInput {
  const { finding } = transition;
  const d = finding.drift;
  const what = `${d.resourceType} ${d.name} (${d.service})`;
  const message =
    transition.type === 'drift.detected'
      ? `drift detected: ${what} ${d.kind}`
      : transition.type === 'drift.resolved'
        ? `drift resolved: ${what} matches its declaration again`
        : `drift ${transition.reminder ? 'still present' : 'changed'}: ${what} ${d.kind}`;
  return {
    type: transition.type,
    severity: transition.type === 'drift.resolved' ? 'info' : d.severity,
    service: finding.service,
    findingId: finding.id,
    resource: { type: d.resourceType, name: d.name },
    ...(transition.type !== 'drift.resolved'
      ? { changes: d.paths.map((p) => ({ path: p.path, ...(p.declared !== undefined ? { declared: JSON.stringify(p.declared) } : {}), ...(p.live !== undefined ? { live: JSON.stringify(p.live) } : {}) })) }
      : {}),
    attribution: { source: finding.attribution },
    ...(d.declaredHash ? { declaredHash: d.declaredHash } : {}),
    ...(d.liveHash ? { liveHash: d.liveHash } : {}),
    message: `${message}${d.details ? `: ${d.details}` : ''}${d.reasons.length ? ` (${d.reasons.join('; ')})` : ''}`,
  };
}

/** The event a remediation step is journaled as. */
export function remediationEventInput(event: RemediationEvent): EventInput {
  const slash = event.findingKey?.indexOf('/') ?? -1;
  const facts = [event.proposalId && `remediation ${event.proposalId}`, event.mechanism && `mechanism ${event.mechanism}`, event.dryRun && 'dry run'].filter(Boolean).join(', ');
  return {
    type: event.type,
    severity: event.severity,
    service: event.service,
    ...(event.findingKey && slash > 0 ? { resource: { type: event.findingKey.slice(0, slash), name: event.findingKey.slice(slash + 1) } } : {}),
    ...(event.mechanism ? { attribution: { actor: `envoy-drift remediation (${event.mechanism})` } } : {}),
    message: `${event.detail}${facts ? ` [${facts}]` : ''}`,
  };
}
