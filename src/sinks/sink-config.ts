import { configError, configValidator, requireValid, within, type ConfigLocation } from '../common/config-validation.js';
import { ErrorCodes } from '../errors.js';
import { FORMAT_NAMES, type FormatName } from '../formats/format.js';

/**
 * The `sinks:` list of the agent's config file. One JSON schema, strict:
 * unknown keys are refused, and credentials are only ever read from files
 * (`tokenFile`, `secretFile`, …), so secrets stay out of the config itself.
 * The agent's config schema embeds `sinksSchema` as is.
 */
interface Common {
  readonly name: string;
  readonly format?: FormatName;
  readonly batchSize?: number;
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

export interface SyslogSinkConfig extends Common {
  readonly type: 'syslog';
  readonly protocol: 'udp' | 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
  readonly facility?: SyslogFacility;
  readonly appName?: string;
  readonly hostname?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
  /** `close`: a batch counts once the receiver closed its connection after reading it all. */
  readonly confirm?: 'close' | 'none';
  /** TLS only: how long a fresh session must stay open, unprompted, before the first batch (see syslog.ts). */
  readonly sessionCheckMs?: number;
  readonly timeoutMs?: number;
}

export interface SplunkHecSinkConfig extends Common {
  readonly type: 'splunk_hec';
  readonly url: string;
  readonly tokenFile: string;
  readonly channel?: string;
  readonly index?: string;
  readonly source?: string;
  readonly sourcetype?: string;
  readonly caFile?: string;
  readonly ackPollIntervalMs?: number;
  readonly ackTimeoutMs?: number;
  readonly timeoutMs?: number;
}

export interface ElasticsearchSinkConfig extends Common {
  readonly type: 'elasticsearch';
  readonly url: string;
  readonly index: string;
  readonly apiKeyFile?: string;
  readonly usernameFile?: string;
  readonly passwordFile?: string;
  readonly pipeline?: string;
  readonly caFile?: string;
  readonly timeoutMs?: number;
}

export interface WebhookSinkConfig extends Common {
  readonly type: 'webhook';
  readonly url: string;
  readonly secretFile: string;
  readonly caFile?: string;
  readonly timeoutMs?: number;
}

export interface StdoutSinkConfig extends Common {
  readonly type: 'stdout';
}

export interface FileSinkConfig extends Common {
  readonly type: 'file';
  readonly path: string;
}

export type SinkConfig = SyslogSinkConfig | SplunkHecSinkConfig | ElasticsearchSinkConfig | WebhookSinkConfig | StdoutSinkConfig | FileSinkConfig;
export type SinkType = SinkConfig['type'];

export const SYSLOG_FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  ntp: 12, audit: 13, alert: 14, clock: 15, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;
export type SyslogFacility = keyof typeof SYSLOG_FACILITIES;

const file = { type: 'string', minLength: 1, description: 'path of a file holding the credential (read on start and after each configuration error)' };
const url = { type: 'string', pattern: '^https?://[^\\s]+$' };
const timeoutMs = { type: 'integer', minimum: 100, maximum: 600000, description: 'per-request timeout in milliseconds' };

const common = {
  name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'unique sink name; names its cursor and dead-letter files and its metrics label' },
  format: { enum: [...FORMAT_NAMES], description: 'ocsf, ecs, cef or json; each sink type has its own default' },
  batchSize: { type: 'integer', minimum: 1, maximum: 10000, description: 'records per delivery (default 500)' },
  backoff: {
    type: 'object',
    additionalProperties: false,
    required: ['initialMs', 'maxMs'],
    properties: { initialMs: { type: 'integer', minimum: 1 }, maxMs: { type: 'integer', minimum: 1 } },
  },
};

function variant(type: SinkType, required: string[], properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, required: ['name', 'type', ...required], properties: { ...common, type: { const: type }, ...properties } };
}

export const sinksSchema = {
  type: 'array',
  description: 'where events go; every sink reads the journal with its own cursor',
  items: {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: ['syslog', 'splunk_hec', 'elasticsearch', 'webhook', 'stdout', 'file'] } },
    discriminator: { propertyName: 'type' },
    oneOf: [
      variant('syslog', ['protocol', 'host', 'port'], {
        protocol: { enum: ['udp', 'tcp', 'tls'], description: 'RFC 5424 over UDP, TCP or TLS (RFC 5425 octet counting on TCP and TLS)' },
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        facility: { enum: Object.keys(SYSLOG_FACILITIES) },
        appName: { type: 'string', pattern: '^[!-~]{1,48}$' },
        hostname: { type: 'string', pattern: '^[!-~]{1,255}$' },
        caFile: file,
        certFile: file,
        keyFile: file,
        serverName: { type: 'string', minLength: 1 },
        confirm: { enum: ['close', 'none'], description: 'close (default): a batch counts once the receiver closed its connection after reading it all; none: once written' },
        sessionCheckMs: { type: 'integer', minimum: 0, maximum: 10000, description: 'TLS: how long a fresh session must stay open, unprompted, before the first batch (default 250)' },
        timeoutMs,
      }),
      variant('splunk_hec', ['url', 'tokenFile'], {
        url,
        tokenFile: file,
        channel: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
        index: { type: 'string', minLength: 1 },
        source: { type: 'string', minLength: 1 },
        sourcetype: { type: 'string', minLength: 1 },
        caFile: file,
        ackPollIntervalMs: { type: 'integer', minimum: 10, maximum: 60000 },
        ackTimeoutMs: { type: 'integer', minimum: 100, maximum: 3600000 },
        timeoutMs,
      }),
      variant('elasticsearch', ['url', 'index'], {
        url,
        index: { type: 'string', pattern: '^[a-z0-9][a-z0-9_.+-]*$' },
        apiKeyFile: file,
        usernameFile: file,
        passwordFile: file,
        pipeline: { type: 'string', minLength: 1 },
        caFile: file,
        timeoutMs,
      }),
      variant('webhook', ['url', 'secretFile'], { url, secretFile: file, caFile: file, timeoutMs }),
      variant('stdout', [], {}),
      variant('file', ['path'], { path: { type: 'string', minLength: 1 } }),
    ],
  },
} as const;

const validate = configValidator(sinksSchema);

/**
 * Validates a `sinks:` list into frozen configs. `origin` names the config
 * file in errors, which point into it: `agent.yaml: /sinks/1/name: ...`.
 */
export function parseSinksConfig(value: unknown, origin = 'agent config'): readonly SinkConfig[] {
  const at: ConfigLocation = { origin, pointer: '/sinks' };
  requireValid(validate, value, at, ErrorCodes.SINK_CONFIG);
  const configs = value as SinkConfig[];
  const seen = new Set<string>();
  const refuse = (message: string, ...keys: Array<string | number>) => configError(ErrorCodes.SINK_CONFIG, { ...within(at, ...keys), message });
  configs.forEach((config, index) => {
    if (seen.has(config.name)) throw refuse(`"${config.name}" is used by another sink`, index, 'name');
    seen.add(config.name);
    if (config.type === 'syslog') {
      if ((config.certFile === undefined) !== (config.keyFile === undefined)) throw refuse('certFile and keyFile go together', index);
      if (config.protocol !== 'tls' && (config.caFile || config.certFile || config.serverName)) {
        throw refuse('caFile, certFile, keyFile and serverName need protocol tls', index);
      }
    }
    if (config.type === 'elasticsearch' && (config.usernameFile === undefined) !== (config.passwordFile === undefined)) {
      throw refuse('usernameFile and passwordFile go together', index);
    }
    if (config.backoff && config.backoff.maxMs < config.backoff.initialMs) throw refuse('is below initialMs', index, 'backoff', 'maxMs');
  });
  return Object.freeze(configs.map((config) => Object.freeze(structuredClone(config))));
}
