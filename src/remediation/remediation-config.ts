import { configError, configValidator, INVALID_MESSAGE, within, type ConfigLocation } from '../common/config-validation.js';
import { webhookUrlProblem } from '../common/webhook-url.js';
import { ErrorCodes, fail, ok, type Result } from '../errors.js';
import { parseCron, type WindowRule } from './change-window.js';

export const MECHANISM_CHOICES = ['auto', 'runtime', 'filesystem', 'ads', 'webhook'] as const;
export type MechanismChoice = (typeof MECHANISM_CHOICES)[number];
export type MechanismName = Exclude<MechanismChoice, 'auto'>;

export interface RemediationConfig {
  readonly mechanism: MechanismChoice;
  readonly rateLimit: { readonly perService: number; readonly windowSeconds: number };
  readonly flap: { readonly maxReverts: number; readonly windowSeconds: number };
  readonly windows: readonly WindowRule[];
  readonly proposalTtlSeconds: number;
  readonly webhook?: { readonly url: string; readonly secretFile?: string; readonly timeoutMs: number };
  readonly ads?: { readonly listen: string; readonly ackTimeoutMs: number };
  readonly filesystem?: Record<string, never>;
}

export const DEFAULT_REMEDIATION_CONFIG: RemediationConfig = Object.freeze({
  mechanism: 'auto',
  // Six reverts an hour per service is already a proxy someone keeps changing by hand.
  rateLimit: Object.freeze({ perService: 6, windowSeconds: 3600 }),
  flap: Object.freeze({ maxReverts: 3, windowSeconds: 900 }),
  windows: Object.freeze([]),
  proposalTtlSeconds: 3600,
});

const positive = { type: 'number', exclusiveMinimum: 0 };
const count = { type: 'integer', minimum: 1 };

/** The agent config file's `remediationPolicy:` section. */
export const remediationConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mechanism: { enum: [...MECHANISM_CHOICES] },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['perService', 'windowSeconds'],
      properties: { perService: count, windowSeconds: positive },
    },
    flap: {
      type: 'object',
      additionalProperties: false,
      required: ['maxReverts', 'windowSeconds'],
      properties: { maxReverts: count, windowSeconds: positive },
    },
    windows: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['durationMinutes'],
        minProperties: 2,
        maxProperties: 2,
        [INVALID_MESSAGE]: 'needs exactly one of allow or deny, and durationMinutes',
        properties: { allow: { type: 'string', minLength: 1 }, deny: { type: 'string', minLength: 1 }, durationMinutes: positive },
      },
    },
    proposalTtlSeconds: count,
    webhook: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        secretFile: { type: 'string', minLength: 1 },
        timeoutMs: count,
      },
    },
    ads: {
      type: 'object',
      additionalProperties: false,
      properties: { listen: { type: 'string', pattern: '^[^:]+:\\d+$' }, ackTimeoutMs: count },
    },
    filesystem: { type: 'object', additionalProperties: false, properties: {} },
  },
} as const;

const validate = configValidator(remediationConfigSchema);

interface RawConfig {
  mechanism?: MechanismChoice;
  rateLimit?: { perService: number; windowSeconds: number };
  flap?: { maxReverts: number; windowSeconds: number };
  windows?: Array<{ allow?: string; deny?: string; durationMinutes: number }>;
  proposalTtlSeconds?: number;
  webhook?: { url: string; secretFile?: string; timeoutMs?: number };
  ads?: { listen?: string; ackTimeoutMs?: number };
  filesystem?: Record<string, never>;
}

const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const DEFAULT_ACK_TIMEOUT_MS = 5_000;

/** Validates the `remediationPolicy:` section; `origin` names the config file in errors (`agent.yaml: /remediationPolicy/flap/maxReverts: ...`). */
export function parseRemediationConfig(value: unknown, origin: string): Result<RemediationConfig> {
  const at: ConfigLocation = { origin, pointer: '/remediationPolicy' };
  const input = value ?? {};
  const problems = validate(input, at);
  if (problems.length > 0) return fail(configError(ErrorCodes.REMEDIATION_CONFIG, problems));
  const raw = input as RawConfig;
  const windows: WindowRule[] = [];
  for (const [i, rule] of (raw.windows ?? []).entries()) {
    const kind = rule.allow !== undefined ? 'allow' : 'deny';
    const cron = (rule.allow ?? rule.deny)!;
    const parsed = parseCron(cron, new Date(0));
    if (!parsed.ok) {
      return fail(configError(ErrorCodes.REMEDIATION_CONFIG, { ...within(at, 'windows', i, kind), message: `invalid cron expression "${cron}" (${parsed.error.message.split('\n')[0]})` }, { cause: parsed.error }));
    }
    windows.push(Object.freeze({ kind, cron, durationMinutes: rule.durationMinutes }));
  }
  const mechanism = raw.mechanism ?? DEFAULT_REMEDIATION_CONFIG.mechanism;
  if (mechanism === 'webhook' && !raw.webhook) {
    return fail(configError(ErrorCodes.REMEDIATION_CONFIG, { ...within(at, 'webhook'), message: 'is required when mechanism is webhook' }));
  }
  const insecure = raw.webhook && webhookUrlProblem(raw.webhook.url);
  if (insecure) return fail(configError(ErrorCodes.REMEDIATION_CONFIG, { ...within(at, 'webhook', 'url'), message: insecure }));
  return ok(
    Object.freeze({
      mechanism,
      rateLimit: Object.freeze({ ...(raw.rateLimit ?? DEFAULT_REMEDIATION_CONFIG.rateLimit) }),
      flap: Object.freeze({ ...(raw.flap ?? DEFAULT_REMEDIATION_CONFIG.flap) }),
      windows: Object.freeze(windows),
      proposalTtlSeconds: raw.proposalTtlSeconds ?? DEFAULT_REMEDIATION_CONFIG.proposalTtlSeconds,
      ...(raw.webhook
        ? { webhook: Object.freeze({ url: raw.webhook.url, ...(raw.webhook.secretFile ? { secretFile: raw.webhook.secretFile } : {}), timeoutMs: raw.webhook.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS }) }
        : {}),
      ...(raw.ads || mechanism === 'ads' ? { ads: Object.freeze({ listen: raw.ads?.listen ?? '127.0.0.1:0', ackTimeoutMs: raw.ads?.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS }) } : {}),
      ...(raw.filesystem ? { filesystem: Object.freeze({}) } : {}),
    }),
  );
}
