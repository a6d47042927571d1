import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Drift, DriftReport } from '../compare/drift.js';
import { backoffDelay } from '../common/backoff.js';
import { parseAdminAddress } from '../envoy-admin/admin-address.js';
import { AdminClient } from '../envoy-admin/admin-client.js';
import { asDriftError, DriftError, ErrorCodes } from '../errors.js';
import type { DriftEvent, EventInput } from '../events/event.js';
import { EventPipeline } from '../pipeline/event-pipeline.js';
import { version } from '../common/version.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import { apiReport } from '../proto/api-report.js';
import type { RemediationEvent } from '../remediation/remediation-event.js';
import type { Remediator } from '../remediation/remediator.js';
import type { AgentConfig } from './agent-config.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentServer, type AgentView, type ExtraRoute } from './agent-server.js';
import { remediationRoutes } from './remediation-routes.js';
import type { CheckSummary, DeclaredSummary } from './check-protocol.js';
import { CheckRunner } from './check-runner.js';
import { DeclaredWatcher } from './declared-watcher.js';
import type { ControlPlaneWatch } from './control-plane-watch.js';
import type { Intent } from '../control-plane/intent.js';
import { FindingStore, type Transition } from './finding-store.js';
import { DumpHealth } from './dump-health.js';
import { WriteHealth } from './write-health.js';
import { parseListenAddress } from './listen-address.js';
import { XdsFileWatcher } from './xds-file-watcher.js';
import { PollCost } from './poll-cost.js';
import { pollLight, processIdentity, restartBetween, type LightPoll, type ProcessIdentity } from './light-poll.js';
import { adminRequestCount, pollStats, statChange, uptimeDropped, type Attribution, type StatChange, type StatValues } from './stats-poller.js';

export interface AgentOptions {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: NodeJS.WritableStream;
  /** Routes other parts add to the endpoint (remediation). */
  readonly extraRoutes?: readonly ExtraRoute[];
  /** Called after every complete check (remediation). */
  readonly afterCheck?: (report: DriftReport) => Promise<void>;
}

type Trigger = 'start' | 'change' | 'full' | 'snapshot' | 'request' | 'recovered';

/**
 * The sidecar: polls a few Envoy stats every interval, runs a full check in
 * the worker when they move (or every few minutes), turns reports into
 * finding transitions and events, and answers on its own endpoint. Never two
 * polls at once; backs off while the proxy is unreachable.
 */
export class Agent implements AgentView {
  readonly metrics = new AgentMetrics();
  readonly registry = this.metrics.registry;
  private readonly writeHealth = new WriteHealth(this.registry);
  private readonly dumpHealth = new DumpHealth(this.registry);
  private readonly config: AgentConfig;
  private readonly logger: Logger;
  private readonly admin: AdminClient;
  private runner: CheckRunner | undefined;
  private readonly listeners = new Set<(event: DriftEvent) => void>();
  private pipeline: EventPipeline | undefined;
  private findings: FindingStore | undefined;
  private server: AgentServer | undefined;
  private watcher: DeclaredWatcher | undefined;
  private controlPlane: ControlPlaneWatch | undefined;
  private declared: DeclaredSummary | undefined;
  private declaredError: string | undefined;
  private declaredAt: string | undefined;
  private lastReport: DriftReport | undefined;
  private lastCheck: { at: string; durationMs: number; trigger: Trigger; attribution: Attribution; cache: CheckSummary['cache'] } | undefined;
  private lastStats: StatValues | undefined;
  /** Time Envoy usually takes to answer a stats poll (one slow answer does not stretch the interval). */
  private readonly pollCost = new PollCost();
  /** Time Envoy usually takes to answer the per-interval /runtime poll: part of the same budget. */
  private readonly lightCost = new PollCost();
  private knownRequests: number | undefined;
  /** The runtime's fingerprint at the last poll. */
  private lastRuntime: string | undefined;
  /** The Envoy process last seen (start time, hot-restart epoch). */
  private process: ProcessIdentity | undefined;
  /** When the next stats scan is due. */
  private nextScanAt = 0;
  /** Until when every step scans the stats: a watched xDS file changed, and Envoy may still be applying it. */
  private scanUntil = 0;
  private readonly xdsWatcher = new XdsFileWatcher((file) => this.xdsFileChanged(file));
  private processMarker: string | undefined;
  private remediator: Remediator | undefined;
  /** The declaration on this thread too, only while some service may be remediated. */
  private declaredHere: DeclaredSnapshot | undefined;
  private adsAddress: string | undefined;
  private xdsFromFiles = false;
  private reachable: boolean | undefined;
  private lastError: string | undefined;
  private failures = 0;
  private checkFailures = 0;
  /** The wait before the next step, as last scheduled (shown on /v1/status: backoff is visible, not guessed). */
  private scheduledDelayMs = 0;
  private lastFullCheck = 0;
  private pendingTrigger: Trigger | undefined = 'start';
  private pendingAttribution: Attribution = 'unknown';
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopping = false;
  private lastTick = Date.now();
  private readonly startedAt = new Date().toISOString();
  endpoint = '';

  constructor(private readonly options: AgentOptions) {
    this.config = options.config;
    this.logger = options.logger;
    const address = parseAdminAddress(this.config.admin);
    if (!address.ok) throw address.error;
    this.admin = new AdminClient(address.value, { timeoutMs: this.config.timeoutMs, maxBytes: 4 * 1024 * 1024 });
  }

  /** Validates everything, loads the snapshot, opens the journal and the endpoint; throws a DriftError on bad input. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      // Nothing may keep the process alive after a refused start (the worker thread would).
      await this.stop();
      throw error;
    }
  }

  private async open(): Promise<void> {
    const listen = parseListenAddress(this.config.listen);
    const token = this.config.tokenFile ? await readToken(this.config.tokenFile) : undefined;
    if (!listen.loopback && !token) {
      throw new DriftError(ErrorCodes.USAGE, `--listen ${this.config.listen}: binding a non-loopback address needs --token-file (the mutating routes would be open)`);
    }
    this.findings = await FindingStore.load(this.config.dataDir, this.config.reminderIntervalMs);
    this.runner = new CheckRunner();
    await this.runner.init({ admin: this.config.admin, timeoutMs: this.config.timeoutMs * 4, warmingGraceMs: this.config.warmingGraceMs, defaultRemediation: this.config.remediation });
    if (this.config.declared) {
      this.declared = await this.runner.loadDeclared(this.config.declared);
      this.declaredAt = new Date().toISOString();
    }
    this.metrics.snapshotValid.set(1);
    this.pipeline = new EventPipeline({
      dataDir: this.config.dataDir,
      sinks: this.config.sinks,
      ...(this.config.journal ? { journal: this.config.journal } : {}),
      registry: this.registry,
      logger: this.logger,
      ...(this.options.stdout ? { stdout: this.options.stdout } : {}),
      ...(this.options.env ? { env: this.options.env } : {}),
    });
    await this.pipeline.start();
    await this.loadDeclaredHere();
    if (this.config.remediationPolicy.ads) {
      if (!this.declaredHere) throw new DriftError(ErrorCodes.INTERNAL, 'ads: the declaration is not loaded');
      const started = await (await this.ensureRemediator()).startAds(this.declaredHere);
      if (!started.ok) throw started.error;
      this.adsAddress = started.value;
      this.logger.info({ ads: this.adsAddress }, 'serving the declared snapshot over ADS');
    }
    this.server = new AgentServer(this, token, [...remediationRoutes(() => this.remediator, () => this.requestCheck()), ...(this.options.extraRoutes ?? [])]);
    this.endpoint = await this.server.listen(listen);
    if (this.config.declared) {
      this.watcher = new DeclaredWatcher(this.config.declared, () => void this.reloadDeclared().catch((error: unknown) => this.logger.warn({ err: asDriftError(error) }, 'declared snapshot reload abandoned')));
      await this.watcher.start();
    }
    const against = [this.config.declared, this.config.controlPlane && `control plane ${this.config.controlPlane.address}`].filter(Boolean).join(' and ');
    await this.emit({ type: 'agent.started', severity: 'info', message: `envoy-drift ${version} watching ${this.config.admin} against ${against}` });
    if (this.declared) await this.emit({ type: 'snapshot.loaded', severity: 'info', message: `declared snapshot ${this.declared.path}: ${this.declared.resources} resources, root ${this.declared.root}` });
    if (this.config.controlPlane) {
      // Loaded only when asked for: gRPC and the type registry stay off the main thread of an agent that watches files.
      const [{ ControlPlaneWatch }, { envoyRegistry }] = await Promise.all([import('./control-plane-watch.js'), import('../proto/envoy-registry.js')]);
      this.controlPlane = new ControlPlaneWatch(this.config.controlPlane, this.admin, envoyRegistry(), { applyIntent: (intent) => this.applyIntent(intent), emit: (input) => this.emit(input) }, this.logger);
      await this.controlPlane.start();
    }
    this.logger.info({ endpoint: this.endpoint, admin: this.config.admin, declared: against }, 'agent started');
    this.schedule(0);
  }

  /** Finishes the current step, then stops everything; idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.xdsWatcher.close();
    this.controlPlane?.close();
    await this.current?.catch(() => undefined);
    if (this.pipeline) await this.emit({ type: 'agent.stopped', severity: 'info', message: 'envoy-drift agent stopped' }).catch(() => undefined);
    await this.findings?.save().catch(() => undefined);
    await this.pipeline?.drain(5_000).catch(() => false);
    await this.pipeline?.close();
    await this.server?.close();
    await this.remediator?.close();
    await this.runner?.close();
    await this.admin.close();
  }

  private started(): { pipeline: EventPipeline; findings: FindingStore } {
    if (!this.pipeline || !this.findings) throw new DriftError(ErrorCodes.INTERNAL, 'agent: not started');
    return { pipeline: this.pipeline, findings: this.findings };
  }

  // ---- AgentView

  healthy(): boolean {
    // The loop is alive when it ticked within a few of its own longest delays.
    return !this.stopping && Date.now() - this.lastTick < Math.max(this.config.maxBackoffMs, this.config.intervalMs) * 3 + 10_000;
  }

  readiness(): { ready: boolean; reason?: string } {
    if (!this.lastReport) return { ready: false, reason: 'no complete check yet' };
    if (!this.reachable) return { ready: false, reason: `proxy unreachable: ${this.lastError ?? ''}` };
    if (this.writeHealth.reason) return { ready: false, reason: this.writeHealth.reason };
    if (this.dumpHealth.reason) return { ready: false, reason: this.dumpHealth.reason };
    return { ready: true };
  }

  report(): DriftReport | undefined {
    return this.lastReport;
  }

  snapshot(): unknown {
    return { ...this.declared, ...(this.declaredAt ? { loadedAt: this.declaredAt } : {}), ...(this.declaredError ? { lastError: this.declaredError } : {}) };
  }

  status(): unknown {
    return {
      agent: {
        version,
        startedAt: this.startedAt,
        endpoint: this.endpoint,
        intervalMs: this.config.intervalMs,
        nextDelayMs: this.scheduledDelayMs,
        consecutiveFailures: Math.max(this.failures, this.checkFailures),
        effectiveIntervalMs: this.effectiveIntervalMs(),
        pollCostMs: Math.round(this.pollCost.ms * 10) / 10,
        fullCheckIntervalMs: this.config.fullCheckIntervalMs,
        remediation: this.config.remediation,
        dryRun: this.config.dryRun,
        remediationActive: this.remediationActive(),
        ...(this.adsAddress ? { ads: this.adsAddress } : {}),
      },
      proxy: { admin: this.config.admin, reachable: this.reachable ?? false, ...(this.lastError ? { lastError: this.lastError } : {}), ...(this.lastReport ? { identity: this.lastReport.proxy } : {}) },
      declared: this.snapshot(),
      journal: { committedSeq: this.pipeline?.journal.committedSeq ?? 0, checkpoint: this.pipeline?.checkpoint ?? null },
      ...(this.controlPlane ? { controlPlane: this.controlPlane.status() } : {}),
      lastCheck: this.lastCheck ?? null,
      api: this.lastReport?.api ?? apiReport(undefined, undefined),
      inSync: this.lastReport?.inSync ?? null,
      findings: (this.findings?.findings() ?? []).map((f) => ({ id: f.id, service: f.service, resource: `${f.resourceType}/${f.name}`, kind: f.kind, severity: f.severity, firstSeen: f.firstSeen, attribution: f.attribution })),
    };
  }

  async checkNow(): Promise<DriftReport> {
    await this.current?.catch(() => undefined);
    this.pendingTrigger = 'request';
    clearTimeout(this.timer);
    await this.runStep();
    if (!this.lastReport) throw new DriftError(ErrorCodes.ADMIN_UNREACHABLE, this.lastError ?? 'no complete check');
    return this.lastReport;
  }

  /** A check as soon as the loop is free, without waiting for it. */
  requestCheck(): void {
    this.pendingTrigger ??= 'request';
    if (!this.current) this.schedule(0);
  }

  subscribe(listener: (event: DriftEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Journal first (synced), then the live listeners (SSE). */
  async emit(input: EventInput): Promise<DriftEvent> {
    await this.journalOwed();
    return this.journal(input);
  }

  /** The event about a write outage, as soon as one can be journaled, before anything else. */
  private async journalOwed(): Promise<void> {
    const owed = this.writeHealth.owedEvent();
    if (!owed) return;
    await this.journal(owed);
    this.writeHealth.owedEventJournaled();
  }

  private async journal(input: EventInput): Promise<DriftEvent> {
    const proxy = this.lastReport?.proxy;
    let event: DriftEvent;
    try {
      event = await this.started().pipeline.emit({ ...input, proxy: { ...(proxy?.nodeId ? { nodeId: proxy.nodeId } : {}), ...(proxy?.cluster ? { cluster: proxy.cluster } : {}) } });
    } catch (error) {
      this.writeHealth.failed(asDriftError(error));
      throw error;
    }
    this.writeHealth.succeeded();
    this.metrics.events.inc({ type: event.type });
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Whether any service may be remediated: only then does the agent hold the declaration and the live state here too. */
  private remediationActive(): boolean {
    return this.config.remediation !== 'observe' || this.config.remediationPolicy.ads !== undefined || (this.declared?.modes ?? []).some((m) => m !== 'observe');
  }

  /**
   * The remediator, its mechanisms (gRPC for ADS among them) and the type
   * registry on this thread are loaded only once some service may be
   * remediated: an observing agent never pays for them.
   */
  private async ensureRemediator(): Promise<Remediator> {
    if (this.remediator) return this.remediator;
    const { Remediator } = await import('../remediation/remediator.js');
    this.remediator ??= new Remediator({
      config: this.config.remediationPolicy,
      defaultMode: this.config.remediation,
      dryRun: this.config.dryRun,
      admin: this.admin,
      emit: (event) => void this.emit(remediationEventInput(event)).catch((error: unknown) => this.logger.error({ err: asDriftError(error) }, 'remediation event not journaled')),
    });
    return this.remediator;
  }

  private async loadDeclaredHere(): Promise<void> {
    if (!this.remediationActive() || !this.config.declared) {
      this.declaredHere = undefined;
      return;
    }
    await this.ensureRemediator();
    const [{ loadDeclared }, { envoyRegistry }] = await Promise.all([import('../declared/load-declared.js'), import('../proto/envoy-registry.js')]);
    // The worker validated it already; a failure here keeps the last one.
    const result = await loadDeclared(this.config.declared, envoyRegistry());
    if (result.ok) this.declaredHere = result.value;
    else this.logger.warn({ err: result.error }, 'declared snapshot not loaded for remediation');
  }

  // ---- the loop

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.scheduledDelayMs = delayMs;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runStep(), delayMs);
  }

  private runStep(): Promise<void> {
    if (this.current) return this.current;
    this.current = this.step()
      .catch((error: unknown) => this.logger.error({ err: asDriftError(error) }, 'agent step failed'))
      .finally(() => {
        this.current = undefined;
        this.lastTick = Date.now();
        this.schedule(this.nextDelay());
      });
    return this.current;
  }

  /**
   * The stats scan's interval, stretched so that the scans keep Envoy's admin
   * (its main thread, which also applies config) busy for at most the admin
   * budget: a proxy with thousands of clusters makes each scan cost more. The
   * per-interval `/runtime` poll costs a fraction of a millisecond.
   */
  effectiveIntervalMs(): number {
    // The /runtime polls take their share of the budget first (never all of it: the scan still runs, at worst four times rarer).
    const scanBudget = Math.max(this.config.adminBudget - this.lightCost.ms / this.config.intervalMs, this.config.adminBudget / 4);
    const paced = this.pollCost.ms / scanBudget;
    return Math.round(Math.min(Math.max(this.config.intervalMs, this.config.maxBackoffMs), Math.max(this.config.intervalMs, paced)));
  }

  private nextDelay(): number {
    const failures = Math.max(this.failures, this.checkFailures);
    if (failures === 0 && Date.now() < this.scanUntil) return Math.min(this.config.intervalMs, 250);
    if (failures === 0) return this.config.intervalMs;
    // Backoff while the proxy does not answer, or its dump keeps failing.
    return backoffDelay(failures, { initialMs: this.config.intervalMs, maxMs: this.config.maxBackoffMs });
  }

  private async step(): Promise<void> {
    let light: LightPoll;
    try {
      this.metrics.adminRequests.inc({ kind: 'runtime' });
      light = await pollLight(this.admin);
    } catch (error) {
      await this.unreachable(asDriftError(error));
      return;
    }
    if (this.reachable === false) {
      await this.emit({ type: 'proxy.recovered', severity: 'info', message: `Envoy admin ${this.config.admin} answers again` });
      this.pendingTrigger ??= 'recovered';
    }
    this.reachable = true;
    this.failures = 0;
    this.lastError = undefined;
    this.metrics.proxyReachable.set(1);
    this.lightCost.record(light.tookMs);
    const moved: string[] = [];
    let attribution: Attribution | undefined;
    // A new connection: the process behind the old one may be gone. /server_info tells (it costs more than /runtime, so only then).
    if (light.newConnection || !this.process) {
      try {
        this.metrics.adminRequests.inc({ kind: 'server_info' });
        const identity = processIdentity(await this.admin.serverInfo());
        const restart = restartBetween(this.process, identity);
        if (restart) {
          moved.push('server_info');
          attribution = restart;
        }
        if (identity) this.process = identity;
      } catch (error) {
        const drift = asDriftError(error);
        if (drift.code === ErrorCodes.ADMIN_UNREACHABLE || drift.code === ErrorCodes.ADMIN_TIMEOUT) {
          await this.unreachable(drift);
          return;
        }
        // An answer that is not server info: the stats scan and the check's process marker still see a restart.
        this.logger.debug({ err: drift }, 'server info unreadable');
      }
    }
    if (this.lastRuntime !== undefined && light.runtime !== this.lastRuntime) {
      moved.push('runtime');
      attribution ??= 'admin runtime override';
    }
    this.lastRuntime = light.runtime;
    if (Date.now() >= this.nextScanAt || Date.now() < this.scanUntil) {
      const scanned = await this.scanStats();
      if (scanned === 'unreachable') return;
      if (scanned) {
        this.scanUntil = 0;
        moved.push(...scanned.moved);
        attribution ??= scanned.attribution;
      }
    }
    if (attribution) {
      this.logger.debug({ moved, attribution }, 'proxy state moved');
      this.pendingTrigger ??= 'change';
      this.pendingAttribution = attribution;
    }
    if (!this.pendingTrigger && Date.now() - this.lastFullCheck >= this.config.fullCheckIntervalMs) this.pendingTrigger = 'full';
    // Without files, nothing is declared until the control plane's first answer.
    if (!this.pendingTrigger || !this.declared) return;
    await this.check(this.pendingTrigger, this.pendingAttribution);
  }

  /**
   * The stats scan: the subscription versions and update counters of every
   * xDS (control-plane pushes, files the agent cannot see), paced so that it
   * keeps Envoy's admin busy for at most the admin budget.
   */
  private async scanStats(): Promise<StatChange | undefined | 'unreachable'> {
    let stats: StatValues;
    try {
      this.metrics.adminRequests.inc({ kind: 'stats' });
      stats = await pollStats(this.admin);
    } catch (error) {
      await this.unreachable(asDriftError(error));
      return 'unreachable';
    }
    this.pollCost.record(stats.tookMs);
    this.nextScanAt = Date.now() + this.effectiveIntervalMs() - this.config.intervalMs / 2;
    const requests = adminRequestCount(stats);
    const restarted = (requests !== undefined && this.knownRequests !== undefined && requests < this.knownRequests) || uptimeDropped(this.lastStats, stats);
    if (requests !== undefined) this.knownRequests = requests;
    const change = statChange(this.lastStats, stats, this.xdsFromFiles, restarted);
    this.lastStats = stats;
    return change;
  }

  /**
   * A watched xDS file changed. Envoy sees it through its own watch and
   * applies it within milliseconds (longer for thousands of resources): the
   * stats scan runs at every step for a few seconds, and the first one that
   * shows the update counters moved starts the check.
   */
  private xdsFileChanged(file: string): void {
    if (this.stopping) return;
    this.logger.debug({ file }, 'xDS file changed');
    this.scanUntil = Date.now() + 3_000;
    if (!this.current) this.schedule(Math.min(this.scheduledDelayMs, 50));
  }

  private async unreachable(error: DriftError): Promise<void> {
    this.failures += 1;
    this.metrics.pollErrors.inc({ code: error.code });
    this.metrics.proxyReachable.set(0);
    this.lastError = error.message;
    if (this.reachable !== false) {
      this.reachable = false;
      this.logger.warn({ err: error }, 'proxy unreachable');
      await this.emit({ type: 'proxy.unreachable', severity: 'high', message: error.message });
    }
  }

  private async check(trigger: Trigger, triggerAttribution: Attribution): Promise<void> {
    let attribution = triggerAttribution;
    const stop = this.metrics.checkDuration.startTimer({ trigger });
    let summary: CheckSummary;
    try {
      this.metrics.adminRequests.inc({ kind: 'config_dump' });
      summary = await this.runner!.check(this.remediationActive());
    } catch (error) {
      stop();
      const drift = asDriftError(error);
      // The stats poll just answered: a dump that fails now (cut short, malformed, an error status, too slow) is
      // "answers but unusable", one state with backoff, not a flapping unreachable/recovered pair.
      this.checkFailures += 1;
      this.metrics.pollErrors.inc({ code: drift.code });
      this.lastError = drift.message;
      if (this.dumpHealth.failed(drift)) {
        this.logger.error({ err: drift }, 'config dump unusable');
        await this.emit({ type: 'proxy.dump_unusable', severity: 'high', message: `Envoy admin ${this.config.admin} answers, but its config dump is unusable: ${drift.message}` });
      }
      return;
    }
    stop();
    this.checkFailures = 0;
    const ended = this.dumpHealth.succeeded();
    if (ended) await this.emit({ type: 'proxy.recovered', severity: 'info', message: `Envoy admin ${this.config.admin}: the config dump is usable again (unusable since ${ended.since}, ${ended.failures} tries)` });
    this.pendingTrigger = undefined;
    this.pendingAttribution = 'unknown';
    this.lastFullCheck = Date.now();
    this.metrics.checks.inc({ trigger });
    this.metrics.lastSuccess.set(Date.now() / 1000);
    this.xdsFromFiles = summary.xdsFromFiles;
    this.xdsWatcher.update(summary.xdsFiles);
    // A new process marker is a restart, whatever the stats said (they can miss a quick one).
    if (summary.processMarker && this.processMarker && summary.processMarker !== this.processMarker && attribution !== 'hot restart') attribution = 'proxy restart';
    if (summary.processMarker) this.processMarker = summary.processMarker;
    const report = summary.report;
    this.metrics.recordReport(report);
    this.lastCheck = { at: report.checkedAt, durationMs: Math.round(summary.durationMs), trigger, attribution, cache: summary.cache };
    // Once per proxy version, not on every check: the proxy is newer than the API types.
    if (report.api?.warning && report.api.proxy !== this.lastReport?.api?.proxy) this.logger.warn({ api: report.api }, report.api.warning);
    this.lastReport = report;
    if (!(await this.journalTransitions(report, attribution))) {
      // Not journaled (disk full): the next step checks again and plans the rest anew.
      this.pendingTrigger ??= trigger;
      this.checkFailures += 1;
      return;
    }
    this.logger.debug({ trigger, inSync: report.inSync, drift: report.drift.length, durationMs: this.lastCheck.durationMs }, 'check complete');
    if (this.remediator && summary.live && this.declaredHere) {
      await this.remediator.handle({ report, declared: this.declaredHere, live: summary.live, snapshotValid: this.declaredError === undefined });
    }
    await this.options.afterCheck?.(report).catch((error: unknown) => this.logger.error({ err: asDriftError(error) }, 'after-check hook failed'));
  }

  private async saveFindings(findings: FindingStore): Promise<void> {
    try {
      await findings.save();
    } catch (error) {
      this.writeHealth.failed(asDriftError(error));
      throw error;
    }
    this.writeHealth.succeeded();
  }

  /** Each transition counts once its event is journaled; false when the journal refused one. */
  private async journalTransitions(report: DriftReport, attribution: Attribution): Promise<boolean> {
    const findings = this.started().findings;
    try {
      for (const transition of findings.plan(report.drift, (d) => attributeFinding(d, attribution), new Date(report.checkedAt))) {
        await this.emit(eventOf(transition));
        findings.commit(transition);
      }
      if (findings.unsaved) await this.saveFindings(findings);
      await this.journalOwed();
      return true;
    } catch (error) {
      this.logger.error({ err: asDriftError(error) }, 'drift transitions not journaled or saved; retried at the next check');
      return false;
    }
  }

  /** A control plane's new intent: a declaration change like a file's, validated in full by the worker first. */
  private async applyIntent(intent: Intent): Promise<void> {
    if (this.stopping) return;
    const summary = await this.runner!.applyIntent(intent);
    if (summary.contentHash === this.declared?.contentHash) return;
    this.declared = summary;
    this.declaredAt = new Date().toISOString();
    const versions = Object.values(intent.types).map((t) => t?.version).filter((v, i, all) => all.indexOf(v) === i).join(', ');
    await this.emit({ type: 'snapshot.loaded', severity: 'info', message: `${summary.path} version ${versions} for node ${intent.nodeId}: ${summary.resources} resources, root ${summary.root}` });
    this.pendingTrigger = 'snapshot';
    this.pendingAttribution = 'control-plane push';
    this.schedule(0);
    // Push lag turns into `stale` once the grace is over, whether or not the proxy's stats move again.
    setTimeout(() => this.requestCheck(), intent.staleGraceMs + 250).unref();
  }

  private async reloadDeclared(): Promise<void> {
    if (this.stopping || !this.config.declared) return;
    try {
      const summary = await this.runner!.loadDeclared(this.config.declared);
      // A SIGTERM during a long load: the journal and the worker are closing; this reload is moot.
      if (this.stopping) return;
      this.declaredError = undefined;
      this.metrics.snapshotValid.set(1);
      if (summary.contentHash === this.declared?.contentHash) return;
      this.declared = summary;
      this.declaredAt = new Date().toISOString();
      await this.loadDeclaredHere();
      await this.emit({ type: 'snapshot.loaded', severity: 'info', message: `declared snapshot ${summary.path}: ${summary.resources} resources, root ${summary.root}` });
      this.pendingTrigger = 'snapshot';
      this.pendingAttribution = 'unknown';
      this.schedule(0);
    } catch (error) {
      const drift = asDriftError(error);
      if (this.stopping || this.declaredError === drift.message) return;
      this.declaredError = drift.message;
      this.metrics.snapshotValid.set(0);
      this.logger.warn({ err: drift }, 'declared snapshot invalid; the last good one stays in force');
      await this.emit({ type: 'snapshot.invalid', severity: 'high', message: `${drift.message} (the last good snapshot stays in force)` });
    }
  }
}

async function readToken(file: string): Promise<Buffer> {
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (!token) throw new DriftError(ErrorCodes.USAGE, `--token-file ${file}: the file is empty`);
    return Buffer.from(token);
  } catch (error) {
    if (error instanceof DriftError) throw error;
    throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `--token-file ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function attributeFinding(drift: Drift, trigger: Attribution): Attribution {
  if (drift.resourceType === 'runtime' && drift.paths.some((p) => p.path.startsWith('/admin_override'))) return 'admin runtime override';
  if (drift.resourceType === 'runtime' && drift.kind === 'added') return 'admin runtime override';
  return trigger;
}

function eventOf(transition: Transition): EventInput {
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

function remediationEventInput(event: RemediationEvent): EventInput {
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
