import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CanonicalCache } from '../canonical/canonical-cache.js';
import { isPlainObject } from '../canonical/canonical-json.js';
import { compare } from '../compare/compare.js';
import { loadDeclared, type DeclaredSnapshot } from '../declared/load-declared.js';
import type { RemediationMode } from '../declared/manifest.js';
import { parseAdminAddress } from '../envoy-admin/admin-address.js';
import { fetchAdminAnswers } from '../envoy-admin/admin-answers.js';
import { AdminClient } from '../envoy-admin/admin-client.js';
import { liveStateFromDump, liveStateWithRuntime, type LiveState } from '../envoy-admin/live-state.js';
import { clusterStamps, recheckSections, sectionRoots, type DumpSection, type SectionedLiveState } from '../envoy-admin/config-dump-sections.js';
import { DriftError, ErrorCodes } from '../errors.js';
import { withApiReport } from '../compare/drift.js';
import { envoyRegistry } from '../proto/envoy-registry.js';
import { lacksValuesFor, resourceSetRoot, valuesThatDiffer, type BuilderCache } from '../resources/resource-set.js';
import { declarationFromIntent } from '../control-plane/intent-declaration.js';
import { intentSummary } from './intent-summary.js';
import { pruneAgreeing, restoreDiffering, type DeclaredTexts } from './declared-trees.js';
import type { Intent } from '../control-plane/intent.js';
import type { CheckSummary, DeclaredSummary, LoadedDeclaration, WorkerRequest } from './check-protocol.js';

/*
 * The check engine: fetching, parsing, canonicalising, hashing and comparing
 * a dump. It keeps the declared snapshot in force and a cache of canonical
 * forms, so an unchanged resource costs a lookup, and the last full check's
 * live state, so a check of the runtime alone reads `/runtime` only. One
 * engine per isolate: on the agent's main thread or in the check worker
 * (check-runner.ts decides).
 */

const registry = envoyRegistry();
const cache: BuilderCache = new CanonicalCache();
let client: AdminClient | undefined;
let declared: DeclaredSnapshot | undefined;
/** With a control plane: the declared files alone, and the last valid intent. */
let fileDeclared: DeclaredSnapshot | undefined;
let intent: Intent | undefined;
/** The declared trees kept as text while the live side agrees (declared-trees.ts); they belong to `declared`. */
let declaredTexts: DeclaredTexts = new Map();
let warmingGraceSeconds = 60;
let defaultRemediation: RemediationMode = 'observe';
/**
 * The last reading of the proxy: the live state (a runtime-only check updates
 * its runtime, a section check the sections that moved) and what the last full
 * dump said about the process.
 */
let last: { state: SectionedLiveState; facts: DumpFacts } | undefined;

type DumpFacts = Pick<CheckSummary, 'xdsFromFiles' | 'xdsFiles' | 'processMarker'>;

async function contentHash(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\u0000').update(await readFile(file)).update('\u0000');
  return hash.digest('hex');
}

/** Answers one request of the agent (check-protocol.ts); a failure is thrown as a DriftError. */
export async function handleCheckRequest(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'init': {
      const address = parseAdminAddress(request.admin);
      if (!address.ok) throw address.error;
      client = new AdminClient(address.value, { timeoutMs: request.timeoutMs, firstStartTimeoutMs: request.timeoutMs * 4 });
      warmingGraceSeconds = request.warmingGraceMs / 1000;
      defaultRemediation = request.defaultRemediation as RemediationMode;
      last = undefined;
      return null;
    }
    case 'load': {
      // Validated in full before it replaces the snapshot in force.
      const result = await loadDeclared(request.path, registry);
      if (!result.ok) throw result.error;
      fileDeclared = result.value;
      declaredTexts = new Map();
      declared = intent ? declarationFromIntent(intent, registry, fileDeclared) : fileDeclared;
      forgetLastIfLacking();
      const summary: DeclaredSummary = {
        path: request.path,
        sources: declared.sources,
        resources: declared.set.resources.size,
        root: resourceSetRoot(declared.set),
        hashesOnly: declared.hashesOnly,
        // The files alone: a control plane's part is no file, and has its own hash.
        contentHash: await contentHash(fileDeclared.sources),
        modes: [...new Set([...declared.manifest.services.flatMap((s) => (s.remediation ? [s.remediation] : [])), ...(declared.manifest.defaultRemediation ? [declared.manifest.defaultRemediation] : [])])],
      };
      const remediating = request.remediation || summary.modes.some((m) => m !== 'observe');
      const loaded = { summary, ...(remediating && summary.contentHash !== request.knownContentHash ? { snapshot: fileDeclared } : {}) } satisfies LoadedDeclaration;
      // The engine compares and never writes a raw message back (the remediator has its own copy): it keeps none.
      fileDeclared = withoutSources(fileDeclared);
      declared = intent ? withoutSources(declared) : fileDeclared;
      return loaded;
    }
    case 'intent': {
      // Canonicalised in full first: an intent that cannot be read never replaces the one in force.
      declared = declarationFromIntent(request.intent, registry, fileDeclared);
      intent = request.intent;
      forgetLastIfLacking();
      return intentSummary(declared, request.intent);
    }
    case 'check': {
      if (!client) throw new DriftError(ErrorCodes.INTERNAL, 'check worker: not initialised');
      if (!declared) throw new DriftError(ErrorCodes.INTERNAL, 'check worker: no declared snapshot loaded');
      const started = performance.now();
      if (request.runtimeOnly && last) {
        // Only /runtime moved: no config dump; the rest of the live state is the last check's.
        const live = liveStateWithRuntime(last.state.live, await client.runtime(), registry);
        last = { state: { ...last.state, live }, facts: last.facts };
        return { ...summarise(live, last.facts, started, request.includeLive), runtimeOnly: true };
      }
      const sectioned = request.sections ? await readSections(client, request.sections) : undefined;
      if (sectioned) return summarise(sectioned.live, sectioned.facts, started, request.includeLive, request.sections);
      const answers = await fetchAdminAnswers(client, { includeEds: declared.set.coverage.has('endpoint') });
      const { dump } = answers;
      const live = liveStateFromDump(answers, registry, cache, { value: valuesThatDiffer(declared.set) });
      cache.sweep();
      const facts: DumpFacts = { xdsFromFiles: usesFileXds(dump), xdsFiles: xdsFiles(dump), ...processMarker(dump) };
      last = { state: { live, roots: sectionRoots(dump), clusterStamps: clusterStamps(dump) }, facts };
      return summarise(live, facts, started, request.includeLive);
    }
  }
}

function withoutSources(snapshot: DeclaredSnapshot): DeclaredSnapshot {
  return { ...snapshot, set: Object.freeze({ ...snapshot.set, sources: new Map<string, unknown>() }) };
}

/**
 * The live side keeps values only where it differed from the declaration in
 * force (valuesThatDiffer); after a new declaration, a resource that now
 * differs but was kept as a hash alone needs a full reading again.
 */
function forgetLastIfLacking(): void {
  if (last && declared && lacksValuesFor(last.state.live.set, declared.set)) last = undefined;
}

/** A declaration with trees kept as text or taken back: without a control plane, it is also the files' one (else that would keep every tree). */
function inForce(snapshot: DeclaredSnapshot): void {
  declared = snapshot;
  if (!intent) fileDeclared = snapshot;
}

function summarise(live: LiveState, facts: DumpFacts, started: number, includeLive: boolean, sections?: readonly DumpSection[]): CheckSummary {
  inForce(restoreDiffering(declared!, live.set, declaredTexts));
  const report = withApiReport(compare(declared!, live, { warmingGraceSeconds, defaultRemediation }));
  inForce(pruneAgreeing(declared!, live.set, declaredTexts));
  return {
    report,
    liveResources: live.set.resources.size,
    ...facts,
    cache: { hits: cache.hits, misses: cache.misses, size: cache.size },
    durationMs: performance.now() - started,
    ...(sections ? { sections } : {}),
    ...(includeLive ? { live } : {}),
  };
}

/**
 * The sections that moved, re-read alone on top of the last full reading;
 * undefined when only a full dump will do (none yet, endpoints covered, a
 * section that cannot be read alone). The cache is not swept: the other
 * sections' entries were not looked up, and the next full check sweeps.
 */
async function readSections(admin: AdminClient, sections: readonly DumpSection[]): Promise<{ live: LiveState; facts: DumpFacts } | undefined> {
  // Endpoints (EDS) hang on clusters but come from their own section: read in full.
  if (!last || declared!.set.coverage.has('endpoint')) return undefined;
  const state = await recheckSections(admin, sections, last.state, registry, cache, { value: valuesThatDiffer(declared!.set) });
  if (!state) return undefined;
  last = { state, facts: last.facts };
  return { live: state.live, facts: last.facts };
}

/** The earliest last_updated of the static listeners and clusters: set once, when the process loaded its bootstrap. */
function processMarker(dump: unknown): { processMarker?: string } {
  const configs = isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : [];
  let earliest: string | undefined;
  for (const config of configs) {
    if (!isPlainObject(config)) continue;
    for (const list of ['static_listeners', 'static_clusters']) {
      const entries = config[list];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const at = isPlainObject(entry) ? entry['last_updated'] : undefined;
        if (typeof at === 'string' && (earliest === undefined || at < earliest)) earliest = at;
      }
    }
  }
  return earliest ? { processMarker: earliest } : {};
}

/** The files the live bootstrap reads xDS from (every `path_config_source.path` in it). */
function xdsFiles(dump: unknown): string[] {
  const files = new Set<string>();
  const walk = (value: unknown, depth: number): void => {
    if (depth > 64) return;
    if (Array.isArray(value)) for (const item of value) walk(item, depth + 1);
    else if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'path_config_source' && isPlainObject(child) && typeof child['path'] === 'string') files.add(child['path']);
        else walk(child, depth + 1);
      }
    }
  };
  const configs = isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'] : [];
  walk(isPlainObject(configs[0]) ? configs[0]['bootstrap'] : undefined, 0);
  return [...files];
}

function usesFileXds(dump: unknown): boolean {
  return JSON.stringify((isPlainObject(dump) && Array.isArray(dump['configs']) ? dump['configs'][0] : {}) ?? {}).includes('path_config_source');
}
