import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { DriftError, ErrorCodes } from '../errors.js';
import { journalSchema, parseJournalConfig, type JournalConfig } from '../journal/journal-config.js';
import { parseSinksConfig, sinksSchema, type SinkConfig } from '../sinks/sink-config.js';
import { REMEDIATION_MODES, type RemediationMode } from '../declared/manifest.js';
import type { ControlPlaneOptions } from '../control-plane/control-plane-options.js';
import { validControlPlaneAddress } from '../control-plane/control-plane-options.js';
import { parseRemediationConfig, remediationConfigSchema, type RemediationConfig } from '../remediation/remediation-config.js';

/**
 * The agent's configuration: one schema validates the config file, the
 * environment (ENVOY_DRIFT_*) and the flags alike, each naming its own origin
 * in errors. Precedence: flags, then environment, then file, then defaults.
 */
export interface AgentConfig {
  readonly admin: string;
  /** Optional with a control plane, whose intent then is the declaration. */
  readonly declared?: string;
  /** The proxy's xDS control plane, when its intent is (part of) the declaration. */
  readonly controlPlane?: ControlPlaneOptions;
  readonly listen: string;
  readonly dataDir: string;
  readonly intervalMs: number;
  readonly fullCheckIntervalMs: number;
  readonly timeoutMs: number;
  readonly maxBackoffMs: number;
  readonly reminderIntervalMs: number;
  readonly warmingGraceMs: number;
  readonly remediation: RemediationMode;
  readonly tokenFile?: string;
  readonly logLevel: string;
  readonly sinks: readonly SinkConfig[];
  readonly journal?: JournalConfig;
  readonly remediationPolicy: RemediationConfig;
  /** Go through every remediation decision and change nothing. */
  readonly dryRun: boolean;
  /** Share of wall time the stats polls may keep Envoy's admin (main thread) busy; the interval stretches to stay under it. */
  readonly adminBudget: number;
}

const DURATION = '^\\d+(\\.\\d+)?(ms|s|m|h)$';

/** Every scalar setting: its flag, environment variable and schema. */
const SETTINGS = {
  admin: { flag: 'admin', schema: { type: 'string', minLength: 1 } },
  declared: { flag: 'declared', schema: { type: 'string', minLength: 1 } },
  listen: { flag: 'listen', schema: { type: 'string', minLength: 1 } },
  dataDir: { flag: 'data-dir', schema: { type: 'string', minLength: 1 } },
  interval: { flag: 'interval', schema: { type: 'string', pattern: DURATION } },
  fullCheckInterval: { flag: 'full-check-interval', schema: { type: 'string', pattern: DURATION } },
  timeout: { flag: 'timeout', schema: { type: 'string', pattern: DURATION } },
  maxBackoff: { flag: 'max-backoff', schema: { type: 'string', pattern: DURATION } },
  reminderInterval: { flag: 'reminder-interval', schema: { type: 'string', pattern: DURATION } },
  warmingGrace: { flag: 'warming-grace', schema: { type: 'string', pattern: DURATION } },
  remediation: { flag: 'remediation', schema: { enum: [...REMEDIATION_MODES] } },
  tokenFile: { flag: 'token-file', schema: { type: 'string', minLength: 1 } },
  logLevel: { flag: 'log-level', schema: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
  dryRun: { flag: 'dry-run', schema: { enum: [true, false, 'true', 'false', '1', '0'] } },
  adminBudget: { flag: 'admin-budget', schema: { type: 'string', pattern: '^(100|[1-9]?\\d)(\\.\\d+)?%$' } },
  controlPlane: { flag: 'control-plane', schema: { type: 'string', minLength: 1 } },
  controlPlaneCa: { flag: 'control-plane-ca', schema: { type: 'string', minLength: 1 } },
  controlPlaneCert: { flag: 'control-plane-cert', schema: { type: 'string', minLength: 1 } },
  controlPlaneKey: { flag: 'control-plane-key', schema: { type: 'string', minLength: 1 } },
  nodeId: { flag: 'node-id', schema: { type: 'string', minLength: 1 } },
  staleGrace: { flag: 'stale-grace', schema: { type: 'string', pattern: DURATION } },
} as const;

type SettingName = keyof typeof SETTINGS;

export const agentConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])),
    sinks: sinksSchema,
    journal: journalSchema,
    remediationPolicy: remediationConfigSchema,
  },
} as const;

const validate = new Ajv({ strict: true, allErrors: false, discriminator: true }).compile(agentConfigSchema);

const DEFAULTS: Record<string, string> = {
  listen: '127.0.0.1:9902',
  interval: '1s',
  fullCheckInterval: '5m',
  timeout: '5s',
  maxBackoff: '30s',
  reminderInterval: '1h',
  warmingGrace: '60s',
  remediation: 'observe',
  logLevel: 'info',
  adminBudget: '0.5%',
  staleGrace: '30s',
};

/** The flags `envoy-drift agent` takes, for parseArgs. */
export const AGENT_FLAGS = {
  config: { type: 'string' },
  ...Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' }])),
  'dry-run': { type: 'boolean' },
} as const;

export function envName(flag: string): string {
  return `ENVOY_DRIFT_${flag.replace(/-/g, '_').toUpperCase()}`;
}

function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text)!;
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

function check(value: Record<string, unknown>, origin: (field: string) => string): void {
  if (validate(value)) return;
  const problem = validate.errors![0]!;
  const field = problem.instancePath.split('/')[1] ?? '';
  const extra = problem.params && 'additionalProperty' in problem.params ? String(problem.params['additionalProperty']) : undefined;
  const allowed = problem.params && 'allowedValues' in problem.params ? ` (${(problem.params['allowedValues'] as unknown[]).join(', ')})` : '';
  const hint = problem.keyword === 'pattern' ? (field === 'adminBudget' ? ' (a percentage such as 2%)' : ' (a duration such as 500ms, 1s, 5m)') : allowed;
  if (extra) throw new DriftError(ErrorCodes.USAGE, `${origin(extra)}: unknown setting "${extra}"`);
  throw new DriftError(ErrorCodes.USAGE, `${origin(field)}${problem.instancePath.split('/').slice(2).map((p) => `/${p}`).join('')}: ${problem.message}${hint}`);
}

export interface ConfigSources {
  readonly file?: string;
  readonly flags: Readonly<Record<string, string | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Reads, validates and merges the config file, environment and flags. */
export async function loadAgentConfig(sources: ConfigSources): Promise<AgentConfig> {
  let fileValues: Record<string, unknown> = {};
  if (sources.file) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (error) {
      throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${sources.file}: cannot read the agent config (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let parsed: unknown;
    try {
      parsed = parse(text) ?? {};
    } catch (error) {
      throw new DriftError(ErrorCodes.PARSE, `${sources.file}: invalid YAML (${(error as Error).message.split('\n')[0]})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DriftError(ErrorCodes.USAGE, `${sources.file}: expected a map of settings`);
    fileValues = parsed as Record<string, unknown>;
    check(fileValues, (field) => `${sources.file}: /${field}`);
  }
  const envValues: Record<string, string> = {};
  const known = new Map(Object.entries(SETTINGS).map(([name, s]) => [envName(s.flag), name]));
  for (const [key, value] of Object.entries(sources.env)) {
    if (!key.startsWith('ENVOY_DRIFT_') || key.startsWith('ENVOY_DRIFT_TEST_') || value === undefined) continue;
    const name = known.get(key);
    if (!name) throw new DriftError(ErrorCodes.USAGE, `environment ${key}: unknown setting (known: ${[...known.keys()].join(', ')})`);
    envValues[name] = value;
  }
  check(envValues, (field) => `environment ${envName(SETTINGS[field as SettingName]?.flag ?? field)}`);
  const flagValues: Record<string, string> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const value = sources.flags[setting.flag];
    if (value !== undefined) flagValues[name] = value;
  }
  check(flagValues, (field) => `--${SETTINGS[field as SettingName]?.flag ?? field}`);

  const merged: Record<string, unknown> = { ...DEFAULTS, ...fileValues, ...envValues, ...flagValues };
  for (const required of ['admin', 'declared', 'dataDir'] as const) {
    if (merged[required] === undefined && !(required === 'declared' && merged['controlPlane'] !== undefined)) {
      const flag = SETTINGS[required].flag;
      throw new DriftError(ErrorCodes.USAGE, `agent: --${flag} (or ${envName(flag)}, or "${required}" in --config) is required`);
    }
  }
  const source = sources.file ?? 'agent config';
  return Object.freeze({
    admin: merged['admin'] as string,
    ...(merged['declared'] !== undefined ? { declared: merged['declared'] as string } : {}),
    ...controlPlaneOf(merged),
    listen: merged['listen'] as string,
    dataDir: merged['dataDir'] as string,
    intervalMs: durationMs(merged['interval'] as string),
    fullCheckIntervalMs: durationMs(merged['fullCheckInterval'] as string),
    timeoutMs: durationMs(merged['timeout'] as string),
    maxBackoffMs: durationMs(merged['maxBackoff'] as string),
    reminderIntervalMs: durationMs(merged['reminderInterval'] as string),
    warmingGraceMs: durationMs(merged['warmingGrace'] as string),
    remediation: merged['remediation'] as RemediationMode,
    ...(merged['tokenFile'] ? { tokenFile: merged['tokenFile'] as string } : {}),
    logLevel: merged['logLevel'] as string,
    sinks: merged['sinks'] ? parseSinksConfig(merged['sinks'], `${source}: /sinks`) : [],
    ...(merged['journal'] ? { journal: parseJournalConfig(merged['journal'], `${source}: /journal`) } : {}),
    remediationPolicy: policy(merged['remediationPolicy'], source),
    dryRun: merged['dryRun'] === true || merged['dryRun'] === 'true' || merged['dryRun'] === '1',
    adminBudget: Math.max(0.001, Number((merged['adminBudget'] as string).slice(0, -1)) / 100),
  });
}

function controlPlaneOf(merged: Record<string, unknown>): { controlPlane?: ControlPlaneOptions } {
  if (merged['controlPlane'] === undefined) return {};
  const address = validControlPlaneAddress('--control-plane', merged['controlPlane'] as string);
  if (!address.ok) throw address.error;
  const text = (name: string) => merged[name] as string | undefined;
  return {
    controlPlane: Object.freeze({
      address: address.value,
      ...(text('controlPlaneCa') ? { caFile: text('controlPlaneCa')! } : {}),
      ...(text('controlPlaneCert') ? { certFile: text('controlPlaneCert')! } : {}),
      ...(text('controlPlaneKey') ? { keyFile: text('controlPlaneKey')! } : {}),
      ...(text('nodeId') ? { nodeId: text('nodeId')! } : {}),
      staleGraceMs: durationMs(merged['staleGrace'] as string),
      timeoutMs: durationMs(merged['timeout'] as string),
    }),
  };
}

function policy(value: unknown, source: string): RemediationConfig {
  const parsed = parseRemediationConfig(value, source);
  if (!parsed.ok) throw new DriftError(ErrorCodes.USAGE, parsed.error.message);
  return parsed.value;
}
