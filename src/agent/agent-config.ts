import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { configError, configValidator, INVALID_MESSAGE, requireValid, type ConfigProblem } from '../common/config-validation.js';
import { durationSchema, parseDuration } from '../common/duration.js';
import { DriftError, ErrorCodes } from '../errors.js';
import { journalSchema, parseJournalConfig, type JournalConfig } from '../journal/journal-config.js';
import { parseSinksConfig, sinksSchema, type SinkConfig } from '../sinks/sink-config.js';
import { REMEDIATION_MODES, type RemediationMode } from '../declared/manifest.js';
import type { ControlPlaneOptions } from '../control-plane/control-plane-options.js';
import { controlPlaneAddressSchema } from '../control-plane/control-plane-options.js';
import { CHECK_THREADS, type CheckThread } from './check-runner.js';
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
  /** Where checks run: `main` (the agent's thread, which a check blocks), `worker`, or `auto` (by the declaration's size). */
  readonly checkThread: CheckThread;
}

/** Every scalar setting: its flag, environment variable and schema. */
const SETTINGS = {
  admin: { flag: 'admin', schema: { type: 'string', minLength: 1 } },
  declared: { flag: 'declared', schema: { type: 'string', minLength: 1 } },
  listen: { flag: 'listen', schema: { type: 'string', minLength: 1 } },
  dataDir: { flag: 'data-dir', schema: { type: 'string', minLength: 1 } },
  interval: { flag: 'interval', schema: durationSchema },
  fullCheckInterval: { flag: 'full-check-interval', schema: durationSchema },
  timeout: { flag: 'timeout', schema: durationSchema },
  maxBackoff: { flag: 'max-backoff', schema: durationSchema },
  reminderInterval: { flag: 'reminder-interval', schema: durationSchema },
  warmingGrace: { flag: 'warming-grace', schema: durationSchema },
  remediation: { flag: 'remediation', schema: { enum: [...REMEDIATION_MODES] } },
  tokenFile: { flag: 'token-file', schema: { type: 'string', minLength: 1 } },
  logLevel: { flag: 'log-level', schema: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] } },
  dryRun: { flag: 'dry-run', schema: { enum: [true, false, 'true', 'false', '1', '0'], [INVALID_MESSAGE]: 'must be true or false (or 1 or 0)' } },
  adminBudget: { flag: 'admin-budget', schema: { type: 'string', pattern: '^(100|[1-9]?\\d)(\\.\\d+)?%$', [INVALID_MESSAGE]: 'must be a percentage such as 2%' } },
  controlPlane: { flag: 'control-plane', schema: controlPlaneAddressSchema },
  controlPlaneCa: { flag: 'control-plane-ca', schema: { type: 'string', minLength: 1 } },
  controlPlaneCert: { flag: 'control-plane-cert', schema: { type: 'string', minLength: 1 } },
  controlPlaneKey: { flag: 'control-plane-key', schema: { type: 'string', minLength: 1 } },
  nodeId: { flag: 'node-id', schema: { type: 'string', minLength: 1 } },
  staleGrace: { flag: 'stale-grace', schema: durationSchema },
  checkThread: { flag: 'check-thread', schema: { enum: [...CHECK_THREADS] } },
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

const validate = configValidator(agentConfigSchema);

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
  checkThread: 'auto',
};

/** The flags `envoy-drift agent` takes, for parseArgs. */
export const AGENT_FLAGS = {
  config: { type: 'string' },
  ...Object.fromEntries(Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' }])),
  'dry-run': { type: 'boolean' },
} as const;

/** Variables of the commands that talk to an agent (`check --agent`, `remediate`): a shell that sets them may start an agent too. */
const OTHER_COMMANDS_VARIABLES = new Set(['ENVOY_DRIFT_AGENT_TOKEN']);

export function envName(flag: string): string {
  return `ENVOY_DRIFT_${flag.replace(/-/g, '_').toUpperCase()}`;
}

function durationMs(text: unknown): number {
  // Validated against durationSchema, whose pattern is parseDuration's own.
  return parseDuration(text as string)!;
}

/**
 * Checks a flat map of settings from the environment or the flags: each
 * problem names the setting's own variable or flag (`--interval: must be ...`).
 */
function checkSettings(values: Record<string, string>, origin: (name: SettingName) => string): void {
  const found = validate(values, { origin: '', pointer: '' });
  if (found.length === 0) return;
  throw configError(
    ErrorCodes.USAGE,
    found.map((problem): ConfigProblem => {
      const [, name, ...rest] = problem.pointer.split('/');
      return { origin: origin(name as SettingName), pointer: rest.map((key) => `/${key}`).join(''), message: problem.message };
    }),
  );
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
      throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${sources.file}: cannot read the agent config (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = parse(text) ?? {};
    } catch (error) {
      throw new DriftError(ErrorCodes.PARSE, `${sources.file}: invalid YAML (${(error as Error).message.split('\n')[0]})`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw configError(ErrorCodes.USAGE, { origin: sources.file, pointer: '', message: 'must be a map of settings' });
    fileValues = parsed as Record<string, unknown>;
    requireValid(validate, fileValues, { origin: sources.file, pointer: '' }, ErrorCodes.USAGE);
  }
  const envValues: Record<string, string> = {};
  const known = new Map(Object.entries(SETTINGS).map(([name, s]) => [envName(s.flag), name]));
  for (const [key, value] of Object.entries(sources.env)) {
    if (!key.startsWith('ENVOY_DRIFT_') || key.startsWith('ENVOY_DRIFT_TEST_') || OTHER_COMMANDS_VARIABLES.has(key) || value === undefined) continue;
    const name = known.get(key);
    if (!name) throw configError(ErrorCodes.USAGE, { origin: `environment ${key}`, pointer: '', message: `unknown setting (known: ${[...known.keys()].join(', ')})` });
    envValues[name] = value;
  }
  checkSettings(envValues, (name) => `environment ${envName(SETTINGS[name].flag)}`);
  const flagValues: Record<string, string> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const value = sources.flags[setting.flag];
    if (value !== undefined) flagValues[name] = value;
  }
  checkSettings(flagValues, (name) => `--${SETTINGS[name].flag}`);

  const merged: Record<string, unknown> = { ...DEFAULTS, ...fileValues, ...envValues, ...flagValues };
  for (const required of ['admin', 'declared', 'dataDir'] as const) {
    if (merged[required] === undefined && !(required === 'declared' && merged['controlPlane'] !== undefined)) {
      const flag = SETTINGS[required].flag;
      throw new DriftError(ErrorCodes.USAGE, `--${flag} (or ${envName(flag)}, or "${required}" in --config) is required`);
    }
  }
  const origin = sources.file ?? 'agent config';
  return Object.freeze({
    admin: merged['admin'] as string,
    ...(merged['declared'] !== undefined ? { declared: merged['declared'] as string } : {}),
    ...controlPlaneOf(merged),
    listen: merged['listen'] as string,
    dataDir: merged['dataDir'] as string,
    intervalMs: durationMs(merged['interval']),
    fullCheckIntervalMs: durationMs(merged['fullCheckInterval']),
    timeoutMs: durationMs(merged['timeout']),
    maxBackoffMs: durationMs(merged['maxBackoff']),
    reminderIntervalMs: durationMs(merged['reminderInterval']),
    warmingGraceMs: durationMs(merged['warmingGrace']),
    remediation: merged['remediation'] as RemediationMode,
    ...(merged['tokenFile'] ? { tokenFile: merged['tokenFile'] as string } : {}),
    logLevel: merged['logLevel'] as string,
    sinks: merged['sinks'] ? parseSinksConfig(merged['sinks'], origin) : [],
    ...(merged['journal'] ? { journal: parseJournalConfig(merged['journal'], origin) } : {}),
    remediationPolicy: policy(merged['remediationPolicy'], origin),
    dryRun: merged['dryRun'] === true || merged['dryRun'] === 'true' || merged['dryRun'] === '1',
    adminBudget: Math.max(0.001, Number((merged['adminBudget'] as string).slice(0, -1)) / 100),
    checkThread: merged['checkThread'] as CheckThread,
  });
}

function controlPlaneOf(merged: Record<string, unknown>): { controlPlane?: ControlPlaneOptions } {
  if (merged['controlPlane'] === undefined) return {};
  const text = (name: string) => merged[name] as string | undefined;
  return {
    controlPlane: Object.freeze({
      // Validated against controlPlaneAddressSchema, with its origin named.
      address: merged['controlPlane'] as string,
      ...(text('controlPlaneCa') ? { caFile: text('controlPlaneCa')! } : {}),
      ...(text('controlPlaneCert') ? { certFile: text('controlPlaneCert')! } : {}),
      ...(text('controlPlaneKey') ? { keyFile: text('controlPlaneKey')! } : {}),
      ...(text('nodeId') ? { nodeId: text('nodeId')! } : {}),
      staleGraceMs: durationMs(merged['staleGrace']),
      timeoutMs: durationMs(merged['timeout']),
    }),
  };
}

function policy(value: unknown, origin: string): RemediationConfig {
  const parsed = parseRemediationConfig(value, origin);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}
