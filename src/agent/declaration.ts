import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import type { Intent } from '../control-plane/intent.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import { asDriftError } from '../errors.js';
import type { EventInput } from '../events/event.js';
import type { DeclaredSummary } from './check-protocol.js';
import type { CheckRunner } from './check-runner.js';

export interface DeclarationOptions {
  readonly runner: CheckRunner;
  /** The declared files; none when a control plane alone declares. */
  readonly path: string | undefined;
  /** Whether the agent remediates whatever the manifest says (a remediating default mode, the ADS server). */
  readonly remediation: boolean;
  /** 1 while the declaration in force is the last one read, 0 while a newer one is invalid. */
  readonly valid: Gauge;
  readonly logger: Logger;
  readonly emit: (input: EventInput) => Promise<unknown>;
  readonly stopping: () => boolean;
}

/**
 * The declaration in force: loaded and validated by the check worker (files
 * at start and on change, a control plane's intents), the last good one kept
 * when a newer one is invalid. The agent's thread keeps a summary, and the
 * declaration itself only while some service may be remediated.
 */
export class Declaration {
  #summary: DeclaredSummary | undefined;
  #loadedAt: string | undefined;
  #error: string | undefined;
  #snapshot: DeclaredSnapshot | undefined;

  constructor(private readonly options: DeclarationOptions) {}

  get summary(): DeclaredSummary | undefined {
    return this.#summary;
  }

  /** The declared files themselves, for the remediator: only while some service may be remediated. */
  get snapshot(): DeclaredSnapshot | undefined {
    return this.#snapshot;
  }

  /** False while a newer declaration is invalid (the last good one stays in force). */
  get valid(): boolean {
    return this.#error === undefined;
  }

  /** Whether any service may be remediated. */
  remediating(): boolean {
    return this.options.remediation || (this.#summary?.modes ?? []).some((m) => m !== 'observe');
  }

  /** As shown on /v1/snapshot and /v1/status. */
  view(): unknown {
    return { ...this.#summary, ...(this.#loadedAt ? { loadedAt: this.#loadedAt } : {}), ...(this.#error ? { lastError: this.#error } : {}) };
  }

  /** The declared files at start; throws when they are invalid. */
  async load(): Promise<void> {
    if (!this.options.path) return;
    const loaded = await this.options.runner.loadDeclared(this.options.path, { remediation: this.options.remediation });
    this.#summary = loaded.summary;
    this.#snapshot = loaded.snapshot;
    this.#loadedAt = new Date().toISOString();
  }

  /** The declared files changed: true when a new declaration is in force; an invalid one is reported, and the last good one stays. */
  async reload(): Promise<boolean> {
    const { path, runner, valid, logger, emit, stopping } = this.options;
    if (stopping() || !path) return false;
    try {
      const loaded = await runner.loadDeclared(path, { remediation: this.options.remediation, knownContentHash: this.#summary?.contentHash });
      // A SIGTERM during a long load: the journal and the worker are closing; this reload is moot.
      if (stopping()) return false;
      this.#error = undefined;
      valid.set(1);
      const summary = loaded.summary;
      if (summary.contentHash === this.#summary?.contentHash) return false;
      this.#summary = summary;
      this.#snapshot = loaded.snapshot;
      this.#loadedAt = new Date().toISOString();
      await emit({ type: 'snapshot.loaded', severity: 'info', message: `declared snapshot ${summary.path}: ${summary.resources} resources, root ${summary.root}` });
      return true;
    } catch (error) {
      const drift = asDriftError(error);
      if (stopping() || this.#error === drift.message) return false;
      this.#error = drift.message;
      valid.set(0);
      logger.warn({ err: drift }, 'declared snapshot invalid; the last good one stays in force');
      await emit({ type: 'snapshot.invalid', severity: 'high', message: `${drift.message} (the last good snapshot stays in force)` });
      return false;
    }
  }

  /** A control plane's new intent, validated in full by the worker first: true when it changed the declaration. */
  async applyIntent(intent: Intent): Promise<boolean> {
    const summary = await this.options.runner.applyIntent(intent);
    if (summary.contentHash === this.#summary?.contentHash) return false;
    this.#summary = summary;
    this.#loadedAt = new Date().toISOString();
    const versions = Object.values(intent.types).map((t) => t?.version).filter((v, i, all) => all.indexOf(v) === i).join(', ');
    await this.options.emit({ type: 'snapshot.loaded', severity: 'info', message: `${summary.path} version ${versions} for node ${intent.nodeId}: ${summary.resources} resources, root ${summary.root}` });
    return true;
  }
}
