import { Worker } from 'node:worker_threads';
import { DriftError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { Intent } from '../control-plane/intent.js';
import type { DumpSection } from '../envoy-admin/config-dump-sections.js';
import type { CheckSummary, DeclaredSummary, LoadedDeclaration, WorkerRequest, WorkerResponse } from './check-protocol.js';

type Pending = { resolve: (value: unknown) => void; reject: (error: DriftError) => void };

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * In the package the worker is the built .js. Run from source (tests, under
 * tsx) the worker thread does not inherit tsx's loader, so a one-line
 * bootstrap registers it before importing the .ts entry.
 */
function startWorker(): Worker {
  const entry = new URL(`./check-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  // The worker allocates in bursts (one check) and idles between them, yet V8
  // keeps its young generation at the size the last burst grew it to (up to
  // 3 x 16 MB): capped here, about 40 MB less resident beside 1,000 clusters
  // (bench/README.md, "Footprint (issue 9)"); a check promotes a little more.
  const options = { resourceLimits: { maxYoungGenerationSizeMb: 4 } };
  if (!FROM_SOURCE) return new Worker(entry, options);
  const api = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true, ...options });
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The agent's side of the check worker: one request at a time, each answered or failed. */
export class CheckRunner {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  constructor() {
    this.worker = startWorker();
    this.worker.on('message', (response: WorkerResponse) => {
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.value);
      else waiter.reject(new DriftError(response.error.code as ErrorCode, response.error.message));
    });
    const failAll = (error: DriftError) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', (error) => failAll(new DriftError(ErrorCodes.INTERNAL, `check worker failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => {
      this.exited = true;
      failAll(new DriftError(ErrorCodes.INTERNAL, `check worker exited with code ${code}`));
    });
  }

  private call<T>(request: WithoutId<WorkerRequest>): Promise<T> {
    if (this.exited) return Promise.reject(new DriftError(ErrorCodes.INTERNAL, 'check worker has exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  init(options: { admin: string; timeoutMs: number; warmingGraceMs: number; defaultRemediation: string }): Promise<void> {
    return this.call({ type: 'init', ...options });
  }

  /** Loads and validates a declaration; it replaces the one in force only when valid. */
  loadDeclared(path: string, options: { readonly remediation: boolean; readonly knownContentHash?: string | undefined }): Promise<LoadedDeclaration> {
    return this.call({ type: 'load', path, remediation: options.remediation, ...(options.knownContentHash !== undefined ? { knownContentHash: options.knownContentHash } : {}) });
  }

  /** A control plane's new intent: validated in full before it replaces the declaration in force. */
  applyIntent(intent: Intent): Promise<DeclaredSummary> {
    return this.call({ type: 'intent', intent });
  }

  /** With `sections`, only those sections of the dump are read again (when the engine can). */
  check(includeLive = false, sections?: readonly DumpSection[]): Promise<CheckSummary> {
    return this.call({ type: 'check', includeLive, ...(sections ? { sections } : {}) });
  }

  async close(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
  }
}
