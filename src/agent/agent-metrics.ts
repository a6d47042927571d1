import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DriftReport } from '../compare/drift.js';

/** The agent's own Prometheus metrics; the sinks add theirs to the same registry. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly checkDuration = new Histogram({
    name: 'envoydrift_check_duration_seconds',
    help: 'Time of one check: fetching the dump, canonicalising, hashing and comparing.',
    labelNames: ['trigger'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly checks = new Counter({ name: 'envoydrift_checks_total', help: 'Checks run, by what triggered them.', labelNames: ['trigger'], registers: [this.registry] });
  readonly pollErrors = new Counter({ name: 'envoydrift_poll_errors_total', help: 'Failed polls of the Envoy admin API, by error code.', labelNames: ['code'], registers: [this.registry] });
  readonly adminRequests = new Counter({ name: 'envoydrift_admin_requests_total', help: 'Requests made to the Envoy admin API, by kind.', labelNames: ['kind'], registers: [this.registry] });
  readonly proxyReachable = new Gauge({ name: 'envoydrift_proxy_reachable', help: '1 while the Envoy admin API answers.', registers: [this.registry] });
  readonly lastSuccess = new Gauge({ name: 'envoydrift_last_successful_check_timestamp_seconds', help: 'When the last complete check finished.', registers: [this.registry] });
  readonly snapshotValid = new Gauge({ name: 'envoydrift_snapshot_valid', help: '1 while the newest declared snapshot is valid (0: the last good one stays in force).', registers: [this.registry] });
  readonly drift = new Gauge({ name: 'envoydrift_drift_resources', help: 'Drifted resources, per service, resource type and severity.', labelNames: ['service', 'resource_type', 'severity'], registers: [this.registry] });
  readonly serviceInSync = new Gauge({ name: 'envoydrift_service_in_sync', help: '1 when the service matches its declaration.', labelNames: ['service'], registers: [this.registry] });
  readonly events = new Counter({ name: 'envoydrift_events_total', help: 'Events the agent emitted, by type (drift detected and resolved, remediation steps): detection and remediation over time.', labelNames: ['type'], registers: [this.registry] });
  readonly configRoot = new Gauge({ name: 'envoydrift_config_root_info', help: "The proxy's live and declared config root hashes.", labelNames: ['live_root', 'declared_root'], registers: [this.registry] });

  recordReport(report: DriftReport): void {
    this.drift.reset();
    for (const d of report.drift) this.drift.inc({ service: d.service, resource_type: d.resourceType, severity: d.severity });
    this.serviceInSync.reset();
    for (const s of report.services) this.serviceInSync.set({ service: s.name }, s.inSync ? 1 : 0);
    this.configRoot.reset();
    this.configRoot.set({ live_root: report.proxy.liveRoot, declared_root: report.proxy.declaredRoot }, 1);
  }
}
