import type { Logger } from 'pino';
import type { DriftReport } from '../compare/drift.js';
import { parseAdminAddress } from '../envoy-admin/admin-address.js';
import { AdminClient } from '../envoy-admin/admin-client.js';
import { asDriftError, DriftError, ErrorCodes } from '../errors.js';
import type { DriftEvent, EventInput } from '../events/event.js';
import { EventPipeline } from '../pipeline/event-pipeline.js';
import { version } from '../common/version.js';
import { apiReport } from '../proto/api-report.js';
import type { Remediator } from '../remediation/remediator.js';
import type { AgentConfig } from './agent-config.js';
import { AgentEvents } from './agent-events.js';
import { AgentMetrics } from './agent-metrics.js';
import { AgentServer, type AgentView, type ExtraRoute } from './agent-server.js';
import { remediationRoutes } from './remediation-routes.js';
import type { CheckSummary } from './check-protocol.js';
import { checkPlacement, CheckRunner } from './check-runner.js';
import { sectionsMoved } from '../envoy-admin/config-dump-sections.js';
import { DeclaredWatcher } from './declared-watcher.js';
import type { ControlPlaneWatch } from './control-plane-watch.js';
import type { Intent } from '../control-plane/intent.js';
import { FindingStore } from './finding-store.js';
import { DumpHealth } from './dump-health.js';
import { WriteHealth } from './write-health.js';
import { parseListenAddress } from './listen-address.js';
import { readToken } from './token-file.js';
import { XdsFileWatcher } from './xds-file-watcher.js';
import { pollLight, processIdentity, type LightPoll } from './light-poll.js';
import { pollStats, type Attribution, type StatChange, type StatValues } from './stats-poller.js';
import { ChangeSignal, onlyRuntimeMoved } from './change-signal.js';
import { Declaration } from './declaration.js';
import { attributeFinding, findingEvent, remediationEventInput } from './finding-events.js';
import { Pacing } from './pacing.js';
import { PendingCheck, type Trigger } from './pending-check.js';
import { ProxyReachability } from './proxy-reachability.js';

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

/**
 * The sidecar: polls a few Envoy stats every interval, runs a full check in
 * the worker when they move (or every few minutes), turns reports into
 * finding transitions and events, and answers on its own endpoint. Never two
 * polls at once; backs off while the proxy is unreachable. This class wires
 * and runs the loop; the state each part keeps lives in the part: pacing,
 * reachability, the change signal, the pending check, the declaration.
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
  private readonly events = new AgentEvents({
    pipeline: () => this.started().pipeline,
    proxy: () => {
      const proxy = this.lastReport?.proxy;
      return { ...(proxy?.nodeId ? { nodeId: proxy.nodeId } : {}), ...(proxy?.cluster ? { cluster: proxy.cluster } : {}) };
    },
    writeHealth: this.writeHealth,
    counter: this.metrics.events,
  });
  private pipeline: EventPipeline | undefined;
  private findings: FindingStore | undefined;
  private server: AgentServer | undefined;
  private watcher: DeclaredWatcher | undefined;
  private controlPlane: ControlPlaneWatch | undefined;
  private declaration: Declaration | undefined;
  private lastReport: DriftReport | undefined;
  private lastCheck: { at: string; durationMs: number; trigger: Trigger; attribution: Attribution; cache: CheckSummary['cache'] } | undefined;
  private readonly pacing: Pacing;
  private readonly reachability = new ProxyReachability();
  private readonly signal = new ChangeSignal();
  private readonly pending = new PendingCheck();
  private readonly xdsWatcher = new XdsFileWatcher((file) => this.xdsFileChanged(file));
  private remediator: Remediator | undefined;
  private adsAddress: string | undefined;
  /** The wait before the next step, as last scheduled (shown on /v1/status: backoff is visible, not guessed). */
  private scheduledDelayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopping = false;
  private lastTick = Date.now();
  private readonly startedAt = new Date().toISOString();
  endpoint = '';

  constructor(private readonly options: AgentOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.pacing = new Pacing(this.config);
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
    this.runner = new CheckRunner(await checkPlacement(this.config.checkThread, this.config.declared));
    await this.runner.init({ admin: this.config.admin, timeoutMs: this.config.timeoutMs, warmingGraceMs: this.config.warmingGraceMs, defaultRemediation: this.config.remediation });
    this.declaration = new Declaration({
      runner: this.runner,
      path: this.config.declared,
      remediation: this.config.remediation !== 'observe' || this.config.remediationPolicy.ads !== undefined,
      valid: this.metrics.snapshotValid,
      logger: this.logger,
      emit: (input) => this.emit(input),
      stopping: () => this.stopping,
    });
    await this.declaration.load();
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
    if (this.declaration.snapshot) await this.ensureRemediator();
    if (this.config.remediationPolicy.ads) {
      if (!this.declaration.snapshot) throw new DriftError(ErrorCodes.INTERNAL, 'ads: the declaration is not loaded');
      const started = await (await this.ensureRemediator()).startAds(this.declaration.snapshot);
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
    const declared = this.declaration.summary;
    if (declared) await this.emit({ type: 'snapshot.loaded', severity: 'info', message: `declared snapshot ${declared.path}: ${declared.resources} resources, root ${declared.root}` });
    if (this.config.controlPlane) {
      // Loaded only when asked for: gRPC and the type registry stay off the main thread of an agent that watches files.
      const [{ ControlPlaneWatch }, { envoyRegistry }] = await Promise.all([import('./control-plane-watch.js'), import('../proto/envoy-registry.js')]);
      this.controlPlane = new ControlPlaneWatch(this.config.controlPlane, this.admin, envoyRegistry(), { applyIntent: (intent) => this.applyIntent(intent), emit: (input) => this.emit(input) }, this.logger);
      await this.controlPlane.start();
    }
    this.logger.info({ endpoint: this.endpoint, admin: this.config.admin, declared: against, checkThread: this.runner.placement }, 'agent started');
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
    if (!this.reachability.reachable) return { ready: false, reason: `proxy unreachable: ${this.reachability.lastError ?? ''}` };
    if (this.writeHealth.reason) return { ready: false, reason: this.writeHealth.reason };
    if (this.dumpHealth.reason) return { ready: false, reason: this.dumpHealth.reason };
    return { ready: true };
  }

  report(): DriftReport | undefined {
    return this.lastReport;
  }

  snapshot(): unknown {
    return this.declaration?.view() ?? {};
  }

  status(): unknown {
    return {
      agent: {
        version,
        startedAt: this.startedAt,
        endpoint: this.endpoint,
        intervalMs: this.config.intervalMs,
        nextDelayMs: this.scheduledDelayMs,
        consecutiveFailures: Math.max(this.reachability.failures, this.pacing.checkFailures),
        effectiveIntervalMs: this.pacing.effectiveIntervalMs(),
        pollCostMs: Math.round(this.pacing.pollCost.ms * 10) / 10,
        fullCheckIntervalMs: this.config.fullCheckIntervalMs,
        remediation: this.config.remediation,
        dryRun: this.config.dryRun,
        remediationActive: this.remediationActive(),
        ...(this.adsAddress ? { ads: this.adsAddress } : {}),
      },
      proxy: { admin: this.config.admin, reachable: this.reachability.reachable ?? false, ...(this.reachability.lastError ? { lastError: this.reachability.lastError } : {}), ...(this.lastReport ? { identity: this.lastReport.proxy } : {}) },
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
    this.pending.replace('request');
    clearTimeout(this.timer);
    await this.runStep();
    if (!this.lastReport) throw new DriftError(ErrorCodes.ADMIN_UNREACHABLE, this.reachability.lastError ?? 'no complete check');
    return this.lastReport;
  }

  /** A check as soon as the loop is free, without waiting for it. */
  requestCheck(): void {
    this.pending.ask('request');
    if (!this.current) this.schedule(0);
  }

  subscribe(listener: (event: DriftEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  /** Journal first (synced), then the live listeners (SSE). */
  emit(input: EventInput): Promise<DriftEvent> {
    return this.events.emit(input);
  }

  /** Whether any service may be remediated: only then does the agent hold the declaration and the live state here too. */
  private remediationActive(): boolean {
    return this.declaration?.remediating() ?? false;
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
        this.schedule(this.pacing.nextDelay(this.reachability.failures));
      });
    return this.current;
  }

  private async step(): Promise<void> {
    // A check owed from before this step (a failed one, a reload, a request) needs the config dump.
    const owed = this.pending.trigger !== undefined;
    let light: LightPoll;
    try {
      this.metrics.adminRequests.inc({ kind: 'runtime' });
      light = await pollLight(this.admin);
    } catch (error) {
      await this.unreachable(asDriftError(error));
      return;
    }
    if (this.reachability.reachable === false) {
      await this.emit({ type: 'proxy.recovered', severity: 'info', message: `Envoy admin ${this.config.admin} answers again` });
      this.pending.ask('recovered');
    }
    this.reachability.answered();
    this.metrics.proxyReachable.set(1);
    this.pacing.lightCost.record(light.tookMs);
    const moved: string[] = [];
    let attribution: Attribution | undefined;
    // /server_info costs more than /runtime: only when the process may have changed.
    if (this.signal.needsIdentity(light.newConnection)) {
      try {
        this.metrics.adminRequests.inc({ kind: 'server_info' });
        const restart = this.signal.identity(processIdentity(await this.admin.serverInfo()));
        if (restart) {
          moved.push('server_info');
          attribution = restart;
        }
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
    if (this.signal.runtime(light.runtime)) {
      moved.push('runtime');
      attribution ??= 'admin runtime override';
    }
    if (this.pacing.scanDue()) {
      const scanned = await this.scanStats();
      if (scanned === 'unreachable') return;
      if (scanned) {
        this.pacing.moved();
        moved.push(...scanned.moved);
        attribution ??= scanned.attribution;
      }
    }
    if (attribution) {
      this.logger.debug({ moved, attribution }, 'proxy state moved');
      this.pending.moved(attribution, moved);
    }
    if (!this.pending.trigger && this.pacing.fullCheckDue()) this.pending.ask('full');
    const trigger = this.pending.trigger;
    // Without files, nothing is declared until the control plane's first answer.
    if (!trigger || !this.declaration?.summary) return;
    await this.check(trigger, this.pending.attribution, trigger === 'change' && !owed && this.lastReport !== undefined && onlyRuntimeMoved(moved));
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
    this.pacing.scanned(stats.tookMs);
    return this.signal.stats(stats);
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
    this.pacing.xdsFileChanged();
    if (!this.current) this.schedule(Math.min(this.scheduledDelayMs, 50));
  }

  private async unreachable(error: DriftError): Promise<void> {
    this.metrics.pollErrors.inc({ code: error.code });
    this.metrics.proxyReachable.set(0);
    if (this.reachability.failed(error)) {
      this.logger.warn({ err: error }, 'proxy unreachable');
      await this.emit({ type: 'proxy.unreachable', severity: 'high', message: error.message });
    }
  }

  /** With `runtimeOnly`, only /runtime moved since the last check: the engine reads it alone, not the config dump. */
  private async check(trigger: Trigger, triggerAttribution: Attribution, runtimeOnly = false): Promise<void> {
    let attribution = triggerAttribution;
    const stop = this.metrics.checkDuration.startTimer({ trigger });
    let summary: CheckSummary;
    try {
      this.metrics.adminRequests.inc({ kind: runtimeOnly ? 'runtime' : 'config_dump' });
      const moved = runtimeOnly ? undefined : this.pending.movedStats;
      const sections = moved ? sectionsMoved(moved) : undefined;
      summary = await this.runner!.check(this.remediationActive(), runtimeOnly ? { runtimeOnly } : sections ? { sections } : {});
    } catch (error) {
      stop();
      const drift = asDriftError(error);
      // The stats poll just answered: a dump that fails now (cut short, malformed, an error status, too slow) is
      // "answers but unusable", one state with backoff, not a flapping unreachable/recovered pair.
      this.pacing.checkFailed();
      this.metrics.pollErrors.inc({ code: drift.code });
      this.reachability.checkFailed(drift);
      if (this.dumpHealth.failed(drift)) {
        this.logger.error({ err: drift }, 'config dump unusable');
        await this.emit({ type: 'proxy.dump_unusable', severity: 'high', message: `Envoy admin ${this.config.admin} answers, but its config dump is unusable: ${drift.message}` });
      }
      return;
    }
    stop();
    this.pacing.checkSucceeded(summary.runtimeOnly !== true && !summary.sections);
    const ended = this.dumpHealth.succeeded();
    if (ended) await this.emit({ type: 'proxy.recovered', severity: 'info', message: `Envoy admin ${this.config.admin}: the config dump is usable again (unusable since ${ended.since}, ${ended.failures} tries)` });
    this.pending.done();
    this.metrics.checks.inc({ trigger });
    this.metrics.lastSuccess.set(Date.now() / 1000);
    this.xdsWatcher.update(summary.xdsFiles);
    attribution = this.signal.checked(summary, attribution);
    const report = summary.report;
    this.metrics.recordReport(report);
    this.lastCheck = { at: report.checkedAt, durationMs: Math.round(summary.durationMs), trigger, attribution, cache: summary.cache };
    // Once per proxy version, not on every check: the proxy is newer than the API types.
    if (report.api?.warning && report.api.proxy !== this.lastReport?.api?.proxy) this.logger.warn({ api: report.api }, report.api.warning);
    this.lastReport = report;
    if (!(await this.journalTransitions(report, attribution))) {
      // Not journaled (disk full): the next step checks again and plans the rest anew.
      this.pending.ask(trigger);
      this.pacing.checkFailed();
      return;
    }
    this.logger.debug({ trigger, runtimeOnly: summary.runtimeOnly === true, inSync: report.inSync, drift: report.drift.length, durationMs: this.lastCheck.durationMs, ...(summary.sections ? { sections: summary.sections } : {}) }, 'check complete');
    const declared = this.declaration?.snapshot;
    if (this.remediator && summary.live && declared) {
      await this.remediator.handle({ report, declared, live: summary.live, snapshotValid: this.declaration?.valid ?? true });
    }
    await this.options.afterCheck?.(report).catch((error: unknown) => this.logger.error({ err: asDriftError(error) }, 'after-check hook failed'));
  }

  /** Each transition counts once its event is journaled; false when the journal refused one. */
  private async journalTransitions(report: DriftReport, attribution: Attribution): Promise<boolean> {
    const findings = this.started().findings;
    try {
      for (const transition of findings.plan(report.drift, (d) => attributeFinding(d, attribution), new Date(report.checkedAt))) {
        await this.emit(findingEvent(transition));
        findings.commit(transition);
      }
      if (findings.unsaved) await this.events.write(() => findings.save());
      await this.events.journalOwed();
      return true;
    } catch (error) {
      this.logger.error({ err: asDriftError(error) }, 'drift transitions not journaled or saved; retried at the next check');
      return false;
    }
  }

  /** A control plane's new intent: a declaration change like a file's, validated in full by the worker first. */
  private async applyIntent(intent: Intent): Promise<void> {
    if (this.stopping || !(await this.declaration!.applyIntent(intent))) return;
    this.pending.replace('snapshot', 'control-plane push');
    this.schedule(0);
    // Push lag turns into `stale` once the grace is over, whether or not the proxy's stats move again.
    setTimeout(() => this.requestCheck(), intent.staleGraceMs + 250).unref();
  }

  private async reloadDeclared(): Promise<void> {
    if (!(await this.declaration!.reload())) return;
    if (this.declaration!.snapshot) await this.ensureRemediator();
    this.pending.replace('snapshot', 'unknown');
    this.schedule(0);
  }
}
