import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { asDriftError, DriftError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { Intent } from '../control-plane/intent.js';
import type { CheckScope, CheckSummary, DeclaredSummary, LoadedDeclaration, WorkerRequest, WorkerResponse } from './check-protocol.js';

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

/** The `--check-thread` setting: where the check engine runs. */
export const CHECK_THREADS = ['auto', 'main', 'worker'] as const;
export type CheckThread = (typeof CHECK_THREADS)[number];

/**
 * Declared files from this size on run their checks in the worker under
 * `auto`: about 5,000 clusters + routes of an edge config (640 bytes each as
 * JSON), whose config dump (≈15 MB) would stall the agent's event loop for
 * seconds. Below it one isolate saves the worker's ≈10 MB and a second copy of
 * the module code (bench/README.md, "Footprint (issue 9)").
 */
export const WORKER_FROM_DECLARED_BYTES = 3 * 1024 * 1024;

/**
 * The placement for a setting: `auto` weighs the declared files (the
 * declaration and the dump grow together); without files (a control plane's
 * intent alone) the size is unknown until it answers, so the worker.
 */
export async function checkPlacement(setting: CheckThread, declared: string | undefined): Promise<'main' | 'worker'> {
  if (setting !== 'auto') return setting;
  if (declared === undefined) return 'worker';
  return (await declaredBytes(declared)) >= WORKER_FROM_DECLARED_BYTES ? 'worker' : 'main';
}

async function declaredBytes(path: string): Promise<number> {
  const found = await stat(path).catch(() => undefined);
  if (!found) return 0; // the declaration's own load names the missing file
  if (!found.isDirectory()) return found.size;
  let total = 0;
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

/**
 * The agent's side of the check engine, one request at a time, each answered
 * or failed. In `worker` the engine runs in its own thread and isolate; in
 * `main` it runs on the agent's thread: one isolate less, but a check then
 * blocks the agent's event loop (endpoint, SSE, the next poll) while it runs.
 * The engine keeps its state in its module, one per isolate: at most one
 * runner per process may place it on the main thread.
 */
export class CheckRunner {
  static #mainTaken = false;
  private readonly worker: Worker | undefined;
  private readonly engine: Promise<(request: WorkerRequest) => Promise<unknown>> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  constructor(readonly placement: 'main' | 'worker' = 'worker') {
    if (placement === 'main') {
      if (CheckRunner.#mainTaken) throw new DriftError(ErrorCodes.INTERNAL, 'check engine: already running on the main thread of this process (one per isolate)');
      CheckRunner.#mainTaken = true;
      this.engine = import(`./check-engine.${FROM_SOURCE ? 'ts' : 'js'}`).then((engine: typeof import('./check-engine.js')) => engine.handleCheckRequest);
      return;
    }
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
    if (this.engine) {
      return this.engine.then((handle) => handle({ ...request, id } as WorkerRequest)).catch((error: unknown) => {
        throw asDriftError(error);
      }) as Promise<T>;
    }
    const worker = this.worker!;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
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

  /** What to read again: by default the whole dump; `runtimeOnly`, /runtime alone; `sections`, those sections (when the engine can). */
  check(includeLive = false, scope: CheckScope = {}): Promise<CheckSummary> {
    return this.call({ type: 'check', includeLive, ...scope });
  }

  async close(): Promise<void> {
    if (this.worker && !this.exited) await this.worker.terminate();
  }
}
