import type { Drift, DriftReport } from '../compare/drift.js';
import { maxSeverity, type Severity } from '../common/severity-levels.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import type { RemediationMode } from '../declared/manifest.js';
import type { AdminClient } from '../envoy-admin/admin-client.js';
import type { LiveState } from '../envoy-admin/live-state.js';
import { asDriftError, DriftError, ErrorCodes, fail, type Result } from '../errors.js';
import { envoyRegistry, type EnvoyRegistry } from '../proto/envoy-registry.js';
import { ChangeWindows } from './change-window.js';
import { FlapDetector } from './flap-detector.js';
import { AdsMechanism } from './mechanisms/ads.js';
import { FilesystemXdsMechanism } from './mechanisms/filesystem-xds.js';
import { findingKey, type Mechanism, type RevertTarget } from './mechanisms/mechanism.js';
import { RuntimeMechanism } from './mechanisms/runtime.js';
import { WebhookMechanism } from './mechanisms/webhook.js';
import { ProposalBook, type Proposal, type ProposalFinding } from './proposals.js';
import { RateLimit } from './rate-limit.js';
import type { MechanismName, RemediationConfig } from './remediation-config.js';
import type { RemediationEvent } from './remediation-event.js';

export type { RemediationEvent } from './remediation-event.js';

export interface RemediatorOptions {
  readonly config: RemediationConfig;
  /** For services the manifest does not name and when it has no `defaults.remediation` (`--remediation`). */
  readonly defaultMode: RemediationMode;
  readonly dryRun: boolean;
  readonly emit: (event: RemediationEvent) => void;
  readonly now?: () => Date;
  readonly admin: AdminClient;
  /** The Envoy API types, for encoding what the ADS server serves (default: the shared registry). */
  readonly registry?: EnvoyRegistry;
}

/** One check's outcome, as the agent has it. */
export interface RemediationInput {
  readonly report: DriftReport;
  readonly declared: DeclaredSnapshot;
  readonly live: LiveState;
  /** False when the snapshot failed to load, failed its lock or signature, or is past its expiry. */
  readonly snapshotValid: boolean;
}

interface Plan {
  readonly groups: Map<Mechanism, Drift[]>;
  readonly unsupported: Array<{ finding: Drift; reason: string }>;
}

interface Awaiting {
  readonly service: string;
  readonly keys: readonly string[];
  readonly mechanisms: readonly Mechanism[];
}

function severityOf(findings: readonly { severity: Severity }[]): Severity {
  return findings.reduce<Severity>((worst, f) => maxSeverity(worst, f.severity), 'info');
}

function fingerprintOf(findings: readonly Drift[]): string {
  return findings.map((f) => `${findingKey(f)}:${f.kind}:${f.liveHash ?? ''}`).sort().join(',');
}

/**
 * Decides, per service and after every check, whether drift is left alone
 * (observe), proposed for a person to approve (approve), or reverted
 * (revert), within the guardrails; and after the next check, whether the
 * revert held. It never throws into the agent's loop: failures are events.
 */
export class Remediator {
  private readonly now: () => Date;
  private readonly book: ProposalBook;
  private readonly rate: RateLimit;
  private readonly flap: FlapDetector;
  private readonly windows: ChangeWindows;
  private readonly mechanisms = new Map<MechanismName, Mechanism>();
  private readonly awaiting = new Map<string, Awaiting>();
  /** The last reason each skip was reported for, so a blocked service is reported once, not on every check. */
  private readonly skipped = new Map<string, string>();
  private readonly dryRunSeen = new Map<string, string>();

  constructor(private readonly options: RemediatorOptions) {
    this.now = options.now ?? (() => new Date());
    this.book = new ProposalBook(this.now);
    this.rate = new RateLimit(options.config.rateLimit.perService, options.config.rateLimit.windowSeconds * 1000);
    this.flap = new FlapDetector(options.config.flap.maxReverts, options.config.flap.windowSeconds * 1000);
    this.windows = new ChangeWindows(options.config.windows);
  }

  async handle(input: RemediationInput): Promise<void> {
    this.verify(input);
    for (const proposal of this.book.due()) this.expire(proposal, `not approved within ${this.options.config.proposalTtlSeconds} s`);
    const byService = new Map<string, Drift[]>();
    // A warming resource waits on its dependencies; there is nothing to put back.
    for (const finding of input.report.drift.filter((d) => d.kind !== 'warming')) byService.set(finding.service, [...(byService.get(finding.service) ?? []), finding]);
    this.forgetResolved(input, byService);
    for (const service of [...byService.keys()].sort()) {
      try {
        await this.handleService(service, byService.get(service)!, input);
      } catch (error) {
        const detail = `remediation of ${service} stopped: ${asDriftError(error).message}`;
        this.event({ type: 'remediation.failed', service, severity: 'high', detail });
      }
    }
  }

  /** Reports whether the remediations applied since the last check held; idempotent, and called by `handle` too. */
  verify(input: RemediationInput): void {
    for (const [id, awaiting] of this.awaiting) {
      this.awaiting.delete(id);
      const late = awaiting.mechanisms.map((m) => m.lateFailure?.(id)).find((reason) => reason !== undefined);
      const still = input.report.drift.filter((d) => d.service === awaiting.service && awaiting.keys.includes(findingKey(d)));
      const mechanism = awaiting.mechanisms.map((m) => m.name).join(',');
      if (late !== undefined || still.length > 0) {
        const detail = late ?? `still drifted after the revert: ${still.map(findingKey).join(', ')}`;
        this.book.move(id, 'failed', detail);
        this.event({ type: 'remediation.failed', service: awaiting.service, severity: 'high', proposalId: id, mechanism, detail });
      } else {
        const detail = `the proxy matches the declaration again: ${awaiting.keys.join(', ')}`;
        this.book.move(id, 'verified', detail);
        this.event({ type: 'remediation.verified', service: awaiting.service, severity: 'info', proposalId: id, mechanism, detail });
      }
    }
  }

  approve(id: string, by: string): Result<Proposal> {
    return this.decide(id, 'approved', by);
  }

  reject(id: string, by: string): Result<Proposal> {
    return this.decide(id, 'rejected', by);
  }

  /**
   * xDS server mode: starts the ADS server on `ads.listen` serving
   * `declared`, and answers with the bound `host:port` for the proxy's
   * bootstrap. Call once at start, before the proxy connects.
   */
  async startAds(declared: DeclaredSnapshot): Promise<Result<string>> {
    const ads = this.mechanism('ads');
    if (!(ads instanceof AdsMechanism)) return fail(new DriftError(ErrorCodes.REMEDIATION_CONFIG, 'remediation: no ads section in the configuration'));
    return ads.start(declared);
  }

  proposals(): Proposal[] {
    return this.book.list();
  }

  async close(): Promise<void> {
    const all = [...this.mechanisms.values()];
    this.mechanisms.clear();
    await Promise.all(all.map((m) => m.close()));
  }

  private decide(id: string, state: 'approved' | 'rejected', by: string): Result<Proposal> {
    const due = this.book.due().find((p) => p.id === id);
    if (due) this.expire(due, `not approved within ${this.options.config.proposalTtlSeconds} s`);
    const decided = this.book.decide(id, state, by);
    if (!decided.ok) return fail(decided.error);
    const proposal = decided.value;
    this.event({
      type: state === 'approved' ? 'remediation.approved' : 'remediation.rejected',
      service: proposal.service,
      severity: 'info',
      proposalId: id,
      detail: state === 'approved' ? `approved by ${by}; applied after the next check` : `rejected by ${by}`,
    });
    return decided;
  }

  private modeOf(service: string, declared: DeclaredSnapshot): RemediationMode {
    const spec = declared.manifest.services.find((s) => s.name === service);
    return spec?.remediation ?? declared.manifest.defaultRemediation ?? this.options.defaultMode;
  }

  private forgetResolved(input: RemediationInput, byService: Map<string, Drift[]>): void {
    for (const proposal of this.book.list()) {
      if ((proposal.state === 'pending' || proposal.state === 'approved') && !byService.has(proposal.service)) {
        this.expire(proposal, 'no longer needed: the service is back in sync');
      }
    }
    const present = new Set(input.report.drift.map(findingKey));
    for (const key of this.flap.haltedKeys()) if (!present.has(key)) this.flap.clear(key);
    for (const key of this.skipped.keys()) if (!byService.has(key.split('|')[0]!)) this.skipped.delete(key);
    for (const service of this.dryRunSeen.keys()) if (!byService.has(service)) this.dryRunSeen.delete(service);
  }

  private async handleService(service: string, findings: Drift[], input: RemediationInput): Promise<void> {
    const mode = this.modeOf(service, input.declared);
    if (mode === 'observe') return;
    // The last revert of this service is verified by this check's successor, not reverted again on top.
    if ([...this.awaiting.values()].some((a) => a.service === service)) return;
    const fingerprint = fingerprintOf(findings);
    const open = this.book.open(service);
    if (mode === 'approve' && open?.state === 'approved') {
      await this.apply(service, findings, input, open);
      return;
    }
    const plan = this.plan(service, findings, input);
    if (plan.groups.size === 0) return;
    if (mode === 'revert') {
      await this.apply(service, findings, input, undefined, plan);
      return;
    }
    if (open?.state === 'pending') {
      if (open.fingerprint === fingerprint) return;
      this.expire(open, 'superseded: the drift changed');
    }
    // Nothing is proposed from a declaration or a proxy it would be unsafe to act on; a change window only delays the apply.
    const unsafe = this.unsafe(input);
    if (unsafe) {
      this.skip(service, `not proposing: ${unsafe}`, service);
      return;
    }
    const proposed = [...plan.groups.values()].flat();
    const proposal = this.book.create({
      service,
      mode: 'approve',
      findings: proposed.map(toProposalFinding),
      fingerprint,
      dryRun: this.options.dryRun,
      ttlSeconds: this.options.config.proposalTtlSeconds,
      state: 'pending',
      detail: 'waiting for approval',
    });
    this.event({
      type: 'remediation.proposed',
      service,
      severity: severityOf(proposed),
      proposalId: proposal.id,
      mechanism: [...plan.groups.keys()].map((m) => m.name).join(','),
      detail: `revert ${proposed.map(findingKey).join(', ')}; approve with: envoy-drift remediate approve ${proposal.id}`,
    });
  }

  /** Which mechanism restores each finding; findings none can restore are reported once. */
  private plan(service: string, findings: readonly Drift[], input: RemediationInput): Plan {
    const groups = new Map<Mechanism, Drift[]>();
    const unsupported: Plan['unsupported'] = [];
    for (const finding of findings) {
      const reasons: string[] = [];
      const chosen = this.candidates().find((mechanism) => {
        const reason = mechanism.cannot(finding, input.declared, input.live);
        if (reason !== undefined) reasons.push(`${mechanism.name}: ${reason}`);
        return reason === undefined;
      });
      if (chosen) groups.set(chosen, [...(groups.get(chosen) ?? []), finding]);
      else unsupported.push({ finding, reason: reasons.join('; ') || 'no mechanism is configured' });
    }
    for (const { finding, reason } of unsupported) {
      this.skip(service, `no mechanism can revert ${findingKey(finding)} (${reason})`, `${service}|${findingKey(finding)}`, findingKey(finding));
    }
    return { groups, unsupported };
  }

  private candidates(): Mechanism[] {
    const { config } = this.options;
    const names: MechanismName[] = config.mechanism !== 'auto'
      ? [config.mechanism]
      : ['runtime', 'filesystem', ...(config.ads ? (['ads'] as const) : []), ...(config.webhook ? (['webhook'] as const) : [])];
    return names.flatMap((name) => {
      const mechanism = this.mechanism(name);
      return mechanism ? [mechanism] : [];
    });
  }

  private mechanism(name: MechanismName): Mechanism | undefined {
    const existing = this.mechanisms.get(name);
    if (existing) return existing;
    let made: Mechanism | undefined;
    if (name === 'runtime') made = new RuntimeMechanism(this.options.admin);
    else if (name === 'filesystem') made = new FilesystemXdsMechanism(this.now);
    else if (name === 'webhook' && this.options.config.webhook) made = new WebhookMechanism(this.options.config.webhook, this.now);
    else if (name === 'ads' && this.options.config.ads) made = new AdsMechanism(this.options.registry ?? envoyRegistry(), this.options.config.ads.listen, this.options.config.ads.ackTimeoutMs);
    if (made) this.mechanisms.set(name, made);
    return made;
  }

  /** Why the declaration or the proxy cannot be acted on, if so. */
  private unsafe(input: RemediationInput): string | undefined {
    if (!input.snapshotValid) return 'the declared snapshot is invalid or expired';
    if (input.declared.hashesOnly) return 'the declaration holds hashes only (a lock file): there is nothing to restore from';
    const state = input.live.proxy.state;
    if (state !== 'LIVE') return `the proxy is ${state ?? 'in an unknown state'}, not LIVE`;
    return undefined;
  }

  /** Why nothing may change now, if so. */
  private guard(input: RemediationInput, now: Date): string | undefined {
    return this.unsafe(input) ?? this.windows.blocked(now);
  }

  private async apply(service: string, findings: Drift[], input: RemediationInput, approved?: Proposal, known?: Plan): Promise<void> {
    const now = this.now();
    const blocked = this.guard(input, now);
    if (blocked) {
      this.skip(service, `not reverting: ${blocked}`, service, undefined, approved?.id);
      return;
    }
    const eligible = findings.filter((finding) => {
      const key = findingKey(finding);
      if (this.flap.isHalted(key)) return false;
      if (!this.flap.shouldHalt(key, now)) return true;
      const { maxReverts, windowSeconds } = this.options.config.flap;
      this.event({
        type: 'remediation.halted',
        service,
        severity: 'critical',
        findingKey: key,
        ...(approved ? { proposalId: approved.id } : {}),
        detail: `${key} came back after ${maxReverts} reverts within ${windowSeconds} s: something keeps changing it (a control plane, a person, a script); reverting stopped until it goes away`,
      });
      return false;
    });
    if (eligible.length === 0) {
      if (approved) this.book.move(approved.id, 'failed', 'halted: the drift keeps coming back');
      return;
    }
    if (!this.rate.allows(service, now)) {
      const { perService, windowSeconds } = this.options.config.rateLimit;
      this.skip(service, `not reverting: rate limit of ${perService} remediation(s) per ${windowSeconds} s reached`, service, undefined, approved?.id, 'medium');
      return;
    }
    const plan = known && eligible.length === findings.length ? known : this.plan(service, eligible, input);
    if (plan.groups.size === 0) return;
    const planned = [...plan.groups.values()].flat();
    const fingerprint = fingerprintOf(planned);
    if (this.options.dryRun && !approved && this.dryRunSeen.get(service) === fingerprint) return;
    const proposal = approved ?? this.book.create({
      service,
      mode: 'revert',
      findings: planned.map(toProposalFinding),
      fingerprint,
      dryRun: this.options.dryRun,
      state: 'approved',
      detail: 'revert mode: approved by policy',
    });
    this.skipped.delete(service);
    const targets = [...plan.groups].map(([mechanism, group]): [Mechanism, RevertTarget] => [
      mechanism,
      { remediationId: proposal.id, service, findings: group, declared: input.declared, live: input.live },
    ]);
    if (this.options.dryRun) {
      this.dryRunSeen.set(service, fingerprint);
      this.book.move(proposal.id, 'applied', 'dry run: nothing changed');
      for (const [mechanism, target] of targets) {
        this.event({ type: 'remediation.applied', service, severity: severityOf(target.findings), proposalId: proposal.id, mechanism: mechanism.name, detail: `dry run, nothing changed: would ${mechanism.describe(target)}` });
      }
      return;
    }
    this.rate.record(service, now);
    for (const finding of planned) this.flap.record(findingKey(finding), now);
    const succeeded: Array<[Mechanism, RevertTarget]> = [];
    for (const [mechanism, target] of targets) {
      const result = await mechanism.apply(target);
      if (result.ok) {
        succeeded.push([mechanism, target]);
        this.event({ type: 'remediation.applied', service, severity: severityOf(target.findings), proposalId: proposal.id, mechanism: mechanism.name, detail: result.value });
      } else {
        this.event({ type: 'remediation.failed', service, severity: 'high', proposalId: proposal.id, mechanism: mechanism.name, detail: result.error.message });
      }
    }
    if (succeeded.length === 0) {
      this.book.move(proposal.id, 'failed', 'every mechanism failed');
      return;
    }
    this.book.move(proposal.id, 'applied', succeeded.map(([m]) => m.name).join(','));
    this.awaiting.set(proposal.id, {
      service,
      keys: succeeded.flatMap(([, t]) => t.findings.map(findingKey)),
      mechanisms: succeeded.map(([m]) => m),
    });
  }

  private expire(proposal: Proposal, detail: string): void {
    this.book.move(proposal.id, 'expired', detail);
    this.event({ type: 'remediation.expired', service: proposal.service, severity: 'info', proposalId: proposal.id, detail });
  }

  private skip(service: string, detail: string, dedupeKey: string, key?: string, proposalId?: string, severity: Severity = 'low'): void {
    if (this.skipped.get(dedupeKey) === detail) return;
    this.skipped.set(dedupeKey, detail);
    this.event({ type: 'remediation.skipped', service, severity, ...(key ? { findingKey: key } : {}), ...(proposalId ? { proposalId } : {}), detail });
  }

  private event(event: Omit<RemediationEvent, 'dryRun'>): void {
    try {
      this.options.emit({ ...event, dryRun: this.options.dryRun });
    } catch {
      // A failing sink must not stop a remediation half-way; the agent's emit reports its own failures.
    }
  }
}

function toProposalFinding(finding: Drift): ProposalFinding {
  return { key: findingKey(finding), kind: finding.kind, severity: finding.severity };
}
