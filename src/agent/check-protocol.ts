import type { DriftReport } from '../compare/drift.js';
import type { Intent } from '../control-plane/intent.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import type { DumpSection } from '../envoy-admin/config-dump-sections.js';
import type { LiveState } from '../envoy-admin/live-state.js';

/** What a check reads again: the whole dump by default, `/runtime` alone, or the dump sections that moved. */
export interface CheckScope {
  readonly runtimeOnly?: boolean;
  readonly sections?: readonly DumpSection[];
}

/** Messages between the agent and its check worker (structured-clone data only). */
export type WorkerRequest =
  | { readonly id: number; readonly type: 'init'; readonly admin: string; readonly timeoutMs: number; readonly warmingGraceMs: number; readonly defaultRemediation: string }
  | { readonly id: number; readonly type: 'load'; readonly path: string; readonly remediation: boolean; readonly knownContentHash?: string }
  | { readonly id: number; readonly type: 'intent'; readonly intent: Intent }
  | { readonly id: number; readonly type: 'check'; readonly includeLive: boolean } & CheckScope;

export interface DeclaredSummary {
  readonly path: string;
  readonly sources: readonly string[];
  readonly resources: number;
  readonly root: string;
  readonly hashesOnly: boolean;
  /** Hash of every source file's bytes, to tell a real change from a touched file. */
  readonly contentHash: string;
  /** The remediation modes the manifest names (services and defaults). */
  readonly modes: readonly string[];
}

/**
 * A declaration loaded and validated by the worker. The declaration itself
 * comes along, as a copy, only when some service may be remediated (the
 * agent asks with `remediation`, or the manifest names a remediating mode)
 * and its content is not the one the agent has already: the remediator needs
 * it on the agent's thread, and a copy costs less than a second load.
 */
export interface LoadedDeclaration {
  readonly summary: DeclaredSummary;
  readonly snapshot?: DeclaredSnapshot;
}

export interface CheckSummary {
  readonly report: DriftReport;
  readonly liveResources: number;
  /** Whether the live bootstrap reads xDS from files (path_config_source) or from a control plane. */
  readonly xdsFromFiles: boolean;
  /** The files the live bootstrap reads xDS from, for the agent to watch where it can see them. */
  readonly xdsFiles: readonly string[];
  /** When this Envoy process loaded its static resources (their earliest last_updated): a new value means a restart. */
  readonly processMarker?: string;
  readonly cache: { readonly hits: number; readonly misses: number; readonly size: number };
  readonly durationMs: number;
  /** Only /runtime was read: the rest of the live state, and the facts read from the dump, are the last full check's. */
  readonly runtimeOnly?: boolean;
  /** Set when only these sections of the dump were read again, the rest taken from the last full reading. */
  readonly sections?: readonly DumpSection[];
  /** The live state itself, for remediation, when asked for (a copy costs time on large proxies). */
  readonly live?: LiveState;
}

export interface WorkerError {
  readonly code: string;
  readonly message: string;
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WorkerError };
