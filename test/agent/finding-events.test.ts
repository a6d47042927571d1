import t from 'tap';
import type { Drift } from '../../src/compare/drift.js';
import type { Finding } from '../../src/agent/finding-store.js';
import { attributeFinding, findingEvent, remediationEventInput } from '../../src/agent/finding-events.js';

const drift: Drift = {
  service: 'edge',
  kind: 'modified',
  resourceType: 'cluster',
  name: 'backend',
  severity: 'high',
  reasons: ['timeout raised'],
  paths: [{ path: '/connect_timeout', declared: '1s', live: '7s' }],
  declaredHash: 'd1',
  liveHash: 'l1',
};

function finding(d: Drift): Finding {
  return { id: 'f-1', key: `${d.resourceType}/${d.name}`, service: d.service, resourceType: d.resourceType, name: d.name, kind: d.kind, severity: d.severity, fingerprint: 'x', firstSeen: 't', lastSeen: 't', lastNotified: 't', attribution: 'file change', drift: d };
}

t.test('a detected finding is one event with its changes, hashes and attribution', async (t) => {
  t.same(findingEvent({ type: 'drift.detected', finding: finding(drift) }), {
    type: 'drift.detected',
    severity: 'high',
    service: 'edge',
    findingId: 'f-1',
    resource: { type: 'cluster', name: 'backend' },
    changes: [{ path: '/connect_timeout', declared: '"1s"', live: '"7s"' }],
    attribution: { source: 'file change' },
    declaredHash: 'd1',
    liveHash: 'l1',
    message: 'drift detected: cluster backend (edge) modified (timeout raised)',
  });
});

t.test('reminders, changes and resolutions say so; a resolution is info and carries no changes', async (t) => {
  t.equal(findingEvent({ type: 'drift.updated', finding: finding(drift), reminder: true }).message, 'drift still present: cluster backend (edge) modified (timeout raised)');
  t.equal(findingEvent({ type: 'drift.updated', finding: finding(drift), reminder: false }).message, 'drift changed: cluster backend (edge) modified (timeout raised)');
  const resolved = findingEvent({ type: 'drift.resolved', finding: finding({ ...drift, reasons: [], details: 'warming' }) });
  t.equal(resolved.severity, 'info');
  t.notOk('changes' in resolved);
  t.equal(resolved.message, 'drift resolved: cluster backend (edge) matches its declaration again: warming');
});

t.test('runtime admin overrides are attributed to the admin whatever triggered the check', async (t) => {
  const runtime = { ...drift, resourceType: 'runtime', name: 'k' } as Drift;
  t.equal(attributeFinding({ ...runtime, paths: [{ path: '/admin_override/k' }] }, 'file change'), 'admin runtime override');
  t.equal(attributeFinding({ ...runtime, kind: 'added', paths: [] }, 'unknown'), 'admin runtime override');
  t.equal(attributeFinding(drift, 'proxy restart'), 'proxy restart');
});

t.test('a remediation event names its resource, mechanism and proposal', async (t) => {
  t.same(remediationEventInput({ type: 'remediation.applied', service: 'edge', severity: 'info', proposalId: 'p-1', findingKey: 'cluster/backend', mechanism: 'runtime', dryRun: true, detail: 'restored' } as never), {
    type: 'remediation.applied',
    severity: 'info',
    service: 'edge',
    resource: { type: 'cluster', name: 'backend' },
    attribution: { actor: 'envoy-drift remediation (runtime)' },
    message: 'restored [remediation p-1, mechanism runtime, dry run]',
  });
});
