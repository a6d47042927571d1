import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import { hashValue, rootHash } from '../canonical/hash.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { DeclaredSnapshot } from '../declared/load-declared.js';
import type { IgnoreRule, Manifest, RemediationMode, SeverityOverride } from '../declared/manifest.js';
import type { LiveState } from '../envoy-admin/live-state.js';
import type { Resource, ResourceType } from '../resources/resource.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { DRIFT_KINDS, type Drift, type DriftKind, type DriftPath, type DriftReport, type IgnoredSummary, type ServiceSummary } from './drift.js';
import { reconcileWithIntent } from './reconcile.js';
import { diffValues } from './field-diff.js';
import { withholdUserDataSecrets } from './user-data-secrets.js';
import { matchesPath } from '../declared/path-pattern.js';
import { assessSeverity } from './security-rules.js';
import { serviceOf } from './service-attribution.js';
import { maxSeverity, type Severity } from '../common/severity-levels.js';

export interface CompareOptions {
  /** Only these services; an unknown name is an error (SERVICE_UNKNOWN). */
  readonly services?: readonly string[];
  readonly now?: Date;
  /** A resource warming for longer than this is reported as stuck. */
  readonly warmingGraceSeconds?: number;
  /** Remediation for services the manifest does not name. */
  readonly defaultRemediation?: RemediationMode;
}

interface Side {
  readonly set: ResourceSet;
  readonly service: Map<string, string>;
}

const WARMING_GRACE_SECONDS = 60;

/**
 * Compares a declaration with a live proxy. Only resource types the
 * declaration covers are compared, so a declaration of clusters alone never
 * reports the proxy's listeners. Admin-layer runtime overrides are always
 * compared: nobody declares a hand-made `/runtime_modify`.
 */
export function compare(declared: DeclaredSnapshot, live: LiveState, options: CompareOptions = {}): DriftReport {
  const now = options.now ?? new Date();
  const manifest = declared.manifest;
  const liveSet = live.set;
  const declaredSet = withRuntimeBaseline(declared.set, live.set);
  const sides = {
    declared: attribute(declaredSet, manifest),
    live: attribute(liveSet, manifest),
  };
  const compared = [...declared.set.coverage].sort() as ResourceType[];
  const keys = new Set<string>();
  for (const side of [sides.declared, sides.live]) for (const key of side.set.resources.keys()) if (inScope(key, declaredSet, side.set)) keys.add(key);

  const knownServices = new Set([...sides.declared.service.values(), ...sides.live.service.values(), ...manifest.services.map((s) => s.name)]);
  const wanted = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  for (const name of wanted ?? []) {
    if (!knownServices.has(name)) {
      throw new DriftError(ErrorCodes.SERVICE_UNKNOWN, `${name}: no such service in the declaration or on the proxy (known: ${[...knownServices].sort().join(', ')})`);
    }
  }
  const declaredClusters = declared.set.coverage.has('cluster')
    ? new Set([...declared.set.resources.values()].filter((r) => r.type === 'cluster').map((r) => r.name))
    : undefined;

  const suppressed = new Map<IgnoreRule, number>();
  const drift: Drift[] = [];
  const sortedKeys = [...keys].sort();
  for (const key of sortedKeys) {
    const d = declaredSet.resources.get(key);
    const l = liveSet.resources.get(key);
    if (d && l && d.hash === l.hash) continue;
    const service = sides.declared.service.get(key) ?? sides.live.service.get(key)!;
    if (wanted && !wanted.has(service)) continue;
    const kind: DriftKind = d && l ? 'modified' : d ? 'removed' : 'added';
    const resource = (d ?? l)!;
    const rawPaths: DriftPath[] = kind !== 'modified'
      ? [{ path: '/', ...(d?.value !== undefined ? { declared: d.value } : {}), ...(l?.value !== undefined ? { live: l.value } : {}) }]
      : d!.value !== undefined && l!.value !== undefined ? diffValues(d!.value, l!.value) : [];
    const paths = applyIgnores(rawPaths, resource, service, manifest, now, suppressed, d?.value, l?.value);
    if (paths === undefined) continue;
    drift.push(finding({ service, kind, resource, paths, d, l, manifest, declaredClusters }));
  }
  for (const condition of live.set.conditions) {
    const resource = liveSet.resources.get(condition.key) ?? declared.set.resources.get(condition.key);
    const type = condition.key.slice(0, condition.key.indexOf('/')) as ResourceType;
    if (!declared.set.coverage.has(type)) continue;
    if (condition.state === 'warming' && condition.since && now.getTime() - Date.parse(condition.since) < (options.warmingGraceSeconds ?? WARMING_GRACE_SECONDS) * 1000) continue;
    const name = condition.key.slice(condition.key.indexOf('/') + 1);
    const placeholder: Resource = resource ?? { type, name, key: condition.key, hash: '' };
    const service = sides.declared.service.get(condition.key) ?? sides.live.service.get(condition.key) ?? serviceOf(placeholder, manifest);
    if (wanted && !wanted.has(service)) continue;
    const kind: DriftKind = condition.state === 'rejected' ? 'rejected' : 'warming';
    const verdict = overrideSeverity(assessSeverity({ kind, resourceType: type, paths: [] }), placeholder.key, [], manifest, service);
    drift.push({
      service,
      kind,
      resourceType: type,
      name,
      severity: verdict.severity,
      reasons: verdict.reasons,
      paths: [],
      details: `${condition.details}${condition.versionInfo ? ` (version ${condition.versionInfo})` : ''}${condition.since ? ` since ${condition.since}` : ''}`,
    });
  }

  const services = summarise(sides, keys, drift, manifest, options, wanted);
  const ignored = ignoreSummary(manifest, suppressed, now);
  // Sorted: the root sorts its leaf lines again, and sorted input is its cheapest.
  const proxyKeys = sortedKeys;
  const report: DriftReport = {
    inSync: drift.length === 0,
    checkedAt: now.toISOString(),
    proxy: {
      ...live.proxy,
      declaredRoot: rootOf(declaredSet, proxyKeys),
      liveRoot: rootOf(liveSet, proxyKeys),
    },
    services,
    drift,
    ignored,
    coverage: { compared, notCompared: [...live.notCompared] },
    unknown: mergeUnknown(declared.set, live.set),
    hashesOnly: declared.hashesOnly,
  };
  return declared.controlPlane ? reconcileWithIntent(report, declared.controlPlane, live.set, now) : report;
}

/**
 * The root over one resource, kept per resource object: most services hold
 * one (a cluster, a virtual host), and a section re-check keeps the objects
 * of everything it did not read again, so their services' roots are not
 * hashed again.
 */
const singleRoots = new WeakMap<Resource, string>();

function rootOf(set: ResourceSet, keys: string[]): string {
  const only = keys.length === 1 ? set.resources.get(keys[0]!) : undefined;
  if (only && only.key === keys[0]) {
    let root = singleRoots.get(only);
    if (root === undefined) singleRoots.set(only, (root = rootHash([[only.key, only.hash]])));
    return root;
  }
  return rootHash(keys.flatMap((k) => {
    const r = set.resources.get(k);
    return r ? [[k, r.hash] as const] : [];
  }));
}

function inScope(key: string, declared: ResourceSet, side: ResourceSet): boolean {
  const type = key.slice(0, key.indexOf('/')) as ResourceType;
  if (declared.coverage.has(type)) return true;
  if (type === 'runtime') {
    const value = side.resources.get(key)?.value;
    return isPlainObject(value) && 'admin_override' in value;
  }
  // A route configuration or virtual host carved out of a listener is declared with the listener.
  const parent = side.resources.get(key)?.parent;
  return parent !== undefined && inScope(parent, declared, side);
}

/**
 * When the declaration does not speak for runtime, each live admin-layer
 * override is compared against the same key without its override, which
 * stands in for the declaration: what a hand-made `/runtime_modify` changed.
 */
function withRuntimeBaseline(declared: ResourceSet, live: ResourceSet): ResourceSet {
  if (declared.coverage.has('runtime')) return declared;
  const resources = new Map(declared.resources);
  for (const [key, resource] of live.resources) {
    const value = resource.value;
    if (resource.type !== 'runtime' || !isPlainObject(value) || !('admin_override' in value)) continue;
    const { admin_override: _override, ...base } = value;
    if (Object.keys(base).length > 0 && !resources.has(key)) {
      resources.set(key, { ...resource, value: base as JsonValue, hash: hashValue(base as JsonValue) });
    }
  }
  return { ...declared, resources };
}

function attribute(set: ResourceSet, manifest: Manifest): Side {
  const service = new Map<string, string>();
  for (const resource of set.resources.values()) service.set(resource.key, serviceOf(resource, manifest));
  return { set, service };
}

function rulesFor(manifest: Manifest, service: string): IgnoreRule[] {
  return [...(manifest.services.find((s) => s.name === service)?.ignore ?? []), ...manifest.ignore];
}

function isExpired(rule: IgnoreRule, now: Date): boolean {
  return rule.expires !== undefined && Date.parse(rule.expires) <= now.getTime();
}

/** Drops the paths that live ignore rules cover; undefined when nothing is left. */
function applyIgnores(
  paths: DriftPath[],
  resource: Resource,
  service: string,
  manifest: Manifest,
  now: Date,
  suppressed: Map<IgnoreRule, number>,
  declared: JsonValue | undefined,
  live: JsonValue | undefined,
): DriftPath[] | undefined {
  const rules = rulesFor(manifest, service).filter((r) => !isExpired(r, now) && (!r.resource || r.resource(resource.key)));
  if (rules.length === 0) return paths;
  const kept = paths.filter((p) => {
    const rule = rules.find((r) => matchesPath(r.path, p.path, [declared, live]));
    if (!rule) return true;
    suppressed.set(rule, (suppressed.get(rule) ?? 0) + 1);
    return false;
  });
  // A hashes-only modification has no paths; only a whole-resource rule can hide it.
  if (paths.length === 0) {
    const whole = rules.find((r) => r.path.length === 0);
    if (!whole) return paths;
    suppressed.set(whole, (suppressed.get(whole) ?? 0) + 1);
    return undefined;
  }
  return kept.length === 0 ? undefined : kept;
}

function overrideSeverity(verdict: { severity: Severity; reasons: string[] }, key: string, paths: readonly DriftPath[], manifest: Manifest, service: string) {
  const overrides: SeverityOverride[] = [...(manifest.services.find((s) => s.name === service)?.severity ?? []), ...manifest.severity];
  // A path override applies only when it covers every changed path, so it never lowers a finding that holds other changes.
  const hit = overrides.find((o) => (!o.resource || o.resource(key)) && (!o.path || (paths.length > 0 && paths.every((p) => matchesPath(o.path!, p.path, [])))));
  return hit ? { severity: hit.severity, reasons: [...verdict.reasons, `severity set by manifest`] } : verdict;
}

function finding(args: {
  service: string;
  kind: DriftKind;
  resource: Resource;
  paths: DriftPath[];
  d: Resource | undefined;
  l: Resource | undefined;
  manifest: Manifest;
  declaredClusters: ReadonlySet<string> | undefined;
}): Drift {
  const { service, kind, resource, paths, d, l, manifest, declaredClusters } = args;
  const verdict = overrideSeverity(
    assessSeverity({
      kind,
      resourceType: resource.type,
      paths,
      ...(d?.value !== undefined ? { declared: d.value } : {}),
      ...(l?.value !== undefined ? { live: l.value } : {}),
      ...(declaredClusters ? { declaredClusters } : {}),
    }),
    resource.key,
    paths,
    manifest,
    service,
  );
  return {
    service,
    kind,
    resourceType: resource.type,
    name: resource.name,
    severity: verdict.severity,
    reasons: verdict.reasons,
    // Rules read the real values; what the finding shows withholds secret-looking user data.
    paths: withholdUserDataSecrets(resource, paths),
    ...(d ? { declaredHash: d.hash } : {}),
    ...(l ? { liveHash: l.hash } : {}),
  };
}

function summarise(
  sides: { declared: Side; live: Side },
  keys: Set<string>,
  drift: Drift[],
  manifest: Manifest,
  options: CompareOptions,
  wanted: Set<string> | undefined,
): ServiceSummary[] {
  // One pass over the keys and the findings, grouped by service.
  const groups = new Map<string, { declared: string[]; live: string[]; drift: Drift[] }>();
  const group = (name: string) => {
    let found = groups.get(name);
    if (!found) groups.set(name, (found = { declared: [], live: [], drift: [] }));
    return found;
  };
  for (const key of keys) {
    const declaredService = sides.declared.service.get(key);
    const liveService = sides.live.service.get(key);
    if (declaredService !== undefined) group(declaredService).declared.push(key);
    if (liveService !== undefined) group(liveService).live.push(key);
  }
  for (const d of drift) group(d.service).drift.push(d);
  // Beside thousands of one-cluster services, most have no finding: their counts are the zeros, without a pass per kind.
  const zeros = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  const specs = new Map<string, Manifest['services'][number]>();
  for (const spec of manifest.services) if (!specs.has(spec.name)) specs.set(spec.name, spec);
  const out: ServiceSummary[] = [];
  for (const name of [...groups.keys()].sort()) {
    if (wanted && !wanted.has(name)) continue;
    const { declared, live, drift: mine } = groups.get(name)!;
    const counts = { ...zeros };
    for (const d of mine) counts[d.kind]++;
    const spec = specs.get(name);
    out.push({
      name,
      inSync: mine.length === 0,
      remediation: spec?.remediation ?? manifest.defaultRemediation ?? options.defaultRemediation ?? 'observe',
      declaredResources: declared.length,
      liveResources: live.length,
      declaredRoot: rootOf(sides.declared.set, declared),
      liveRoot: rootOf(sides.live.set, live),
      drift: counts,
      severity: mine.reduce<Severity | null>((acc, d) => (acc ? maxSeverity(acc, d.severity) : d.severity), null),
    });
  }
  return out;
}

function ignoreSummary(manifest: Manifest, suppressed: Map<IgnoreRule, number>, now: Date): IgnoredSummary[] {
  const rules = [...manifest.services.flatMap((s) => s.ignore), ...manifest.ignore];
  return rules.map((rule) => ({
    rule: rule.id,
    ...(rule.service ? { service: rule.service } : {}),
    ...(rule.resourceText ? { resource: rule.resourceText } : {}),
    path: rule.pathText,
    reason: rule.reason,
    ...(rule.expires ? { expires: rule.expires } : {}),
    expired: isExpired(rule, now),
    suppressed: suppressed.get(rule) ?? 0,
  }));
}

function mergeUnknown(a: ResourceSet, b: ResourceSet): DriftReport['unknown'] {
  const types: Record<string, number> = { ...a.stats.unknownTypes };
  for (const [name, count] of Object.entries(b.stats.unknownTypes)) types[name] = (types[name] ?? 0) + count;
  return { fields: a.stats.unknownFields + b.stats.unknownFields, types };
}

