import picomatch from 'picomatch';
import { createRequire } from 'node:module';
import { configError, configValidator } from '../common/config-validation.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';
import { parsePathPattern, type PathPattern } from './path-pattern.js';
import { SEVERITIES, type Severity } from '../common/severity-levels.js';

export const REMEDIATION_MODES = ['observe', 'revert', 'approve'] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

export const MANIFEST_API_VERSION = 'envoy-drift/v1';

/** Matches a resource key (`cluster/payments`). */
export type ResourceMatcher = (key: string) => boolean;

export interface IgnoreRule {
  /** Stable identity for reports: `<service or *>#<index>`. */
  readonly id: string;
  readonly service?: string;
  readonly resource?: ResourceMatcher;
  readonly resourceText?: string;
  readonly path: PathPattern;
  readonly pathText: string;
  readonly reason: string;
  readonly expires?: string;
}

export interface SeverityOverride {
  readonly resource?: ResourceMatcher;
  readonly path?: PathPattern;
  readonly severity: Severity;
}

export interface ServiceSpec {
  readonly name: string;
  readonly matches: ResourceMatcher;
  readonly remediation?: RemediationMode;
  readonly severity: readonly SeverityOverride[];
  readonly ignore: readonly IgnoreRule[];
}

export interface Manifest {
  readonly source?: string;
  readonly services: readonly ServiceSpec[];
  /** Rules for every service. */
  readonly ignore: readonly IgnoreRule[];
  readonly severity: readonly SeverityOverride[];
  readonly defaultRemediation?: RemediationMode;
}

export const EMPTY_MANIFEST: Manifest = Object.freeze({ services: [], ignore: [], severity: [] });

const matcherSchema = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'object', additionalProperties: false, required: ['regex'], properties: { regex: { type: 'string', minLength: 1 } } },
  ],
};

const ignoreSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'reason'],
  properties: {
    resource: matcherSchema,
    path: { type: 'string' },
    reason: { type: 'string', minLength: 1 },
    expires: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
  },
};

const severitySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['severity'],
  properties: { resource: matcherSchema, path: { type: 'string' }, severity: { enum: [...SEVERITIES] } },
};

export const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { const: MANIFEST_API_VERSION },
    kind: { const: 'Manifest' },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: { remediation: { enum: [...REMEDIATION_MODES] } },
    },
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'resources'],
        properties: {
          name: { type: 'string', minLength: 1, pattern: '^[^/#]+$' },
          resources: { type: 'array', minItems: 1, items: matcherSchema },
          remediation: { enum: [...REMEDIATION_MODES] },
          severity: { type: 'array', items: severitySchema },
          ignore: { type: 'array', items: ignoreSchema },
        },
      },
    },
    ignore: { type: 'array', items: ignoreSchema },
    severity: { type: 'array', items: severitySchema },
  },
} as const;

const validate = configValidator(manifestSchema);

type RawMatcher = string | { regex: string };
interface RawIgnore { resource?: RawMatcher; path: string; reason: string; expires?: string }
interface RawSeverity { resource?: RawMatcher; path?: string; severity: Severity }
interface RawManifest {
  defaults?: { remediation?: RemediationMode };
  services?: Array<{ name: string; resources: RawMatcher[]; remediation?: RemediationMode; severity?: RawSeverity[]; ignore?: RawIgnore[] }>;
  ignore?: RawIgnore[];
  severity?: RawSeverity[];
}

export function isManifestDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { apiVersion?: unknown }).apiVersion === MANIFEST_API_VERSION && (value as { kind?: unknown }).kind === 'Manifest';
}

type Re2Constructor = typeof import('re2-wasm').RE2;
let re2: Re2Constructor | undefined;

/** re2-wasm compiles its WebAssembly on load (a second on a busy machine): only when a manifest has a regex. */
function RE2(): Re2Constructor {
  re2 ??= (createRequire(import.meta.url)('re2-wasm') as typeof import('re2-wasm')).RE2;
  return re2;
}

function matcher(raw: RawMatcher, where: string): ResourceMatcher {
  if (typeof raw === 'string') {
    if (!picomatch.scan(raw).isGlob) return (key) => key === raw;
    const glob = picomatch(raw, { dot: true });
    return (key) => glob(key);
  }
  try {
    // RE2 (Envoy's own regex engine): linear time, so no pattern can hang the tool on a crafted name.
    const regex = new (RE2())(raw.regex, 'u');
    return (key) => regex.test(key);
  } catch (error) {
    throw new DriftError(ErrorCodes.MANIFEST, `${where}/regex: invalid regular expression (${(error as Error).message})`);
  }
}

function pattern(text: string, where: string): PathPattern {
  const parsed = parsePathPattern(text);
  if (typeof parsed === 'string') throw new DriftError(ErrorCodes.MANIFEST, `${where}: ${parsed}`);
  return parsed;
}

function ignoreRules(raw: RawIgnore[] | undefined, owner: string | undefined, where: string): IgnoreRule[] {
  return (raw ?? []).map((rule, i) => ({
    id: `${owner ?? '*'}#${i}`,
    ...(owner ? { service: owner } : {}),
    ...(rule.resource !== undefined ? { resource: matcher(rule.resource, `${where}/${i}/resource`), resourceText: typeof rule.resource === 'string' ? rule.resource : `regex:${rule.resource.regex}` } : {}),
    path: pattern(rule.path, `${where}/${i}/path`),
    pathText: rule.path,
    reason: rule.reason,
    ...(rule.expires ? { expires: rule.expires } : {}),
  }));
}

function severityOverrides(raw: RawSeverity[] | undefined, where: string): SeverityOverride[] {
  return (raw ?? []).map((rule, i) => ({
    ...(rule.resource !== undefined ? { resource: matcher(rule.resource, `${where}/${i}/resource`) } : {}),
    ...(rule.path !== undefined ? { path: pattern(rule.path, `${where}/${i}/path`) } : {}),
    severity: rule.severity,
  }));
}

/** Validates and compiles a manifest document; errors name the file and field. */
export function parseManifest(value: unknown, source: string): Result<Manifest> {
  const problems = validate(value, { origin: source, pointer: '' });
  if (problems.length > 0) return fail(configError(ErrorCodes.MANIFEST, problems));
  const raw = value as RawManifest;
  try {
    const names = new Set<string>();
    const services = (raw.services ?? []).map((service, i): ServiceSpec => {
      if (names.has(service.name)) throw new DriftError(ErrorCodes.MANIFEST, `${source}: /services/${i}/name: service "${service.name}" is named twice`);
      names.add(service.name);
      const matchers = service.resources.map((m, j) => matcher(m, `${source}: /services/${i}/resources/${j}`));
      return {
        name: service.name,
        matches: (key) => matchers.some((m) => m(key)),
        ...(service.remediation ? { remediation: service.remediation } : {}),
        severity: severityOverrides(service.severity, `${source}: /services/${i}/severity`),
        ignore: ignoreRules(service.ignore, service.name, `${source}: /services/${i}/ignore`),
      };
    });
    return ok(
      Object.freeze({
        source,
        services,
        ignore: ignoreRules(raw.ignore, undefined, `${source}: /ignore`),
        severity: severityOverrides(raw.severity, `${source}: /severity`),
        ...(raw.defaults?.remediation ? { defaultRemediation: raw.defaults.remediation } : {}),
      }),
    );
  } catch (error) {
    if (error instanceof DriftError) return fail(error);
    throw error;
  }
}
