import { Ajv } from 'ajv';
import { DriftError, ErrorCodes } from '../errors.js';

/** The `journal:` block of the agent's config file; the agent's schema embeds `journalSchema`. */
export interface JournalConfig {
  readonly segmentBytes?: number;
  readonly maxBytes?: number;
  readonly checkpoint?: { readonly every: number; readonly keyFile: string };
}

export const journalSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'the local, append-only, hash-chained event journal in <data-dir>/journal',
  properties: {
    segmentBytes: { type: 'integer', minimum: 4096, maximum: 1073741824, description: 'size at which a segment file is closed (default 8 MiB)' },
    maxBytes: { type: 'integer', minimum: 8192, description: 'total size bound; the oldest segments are dropped past it, with a delivery.gap event per sink that had not delivered them (default 256 MiB)' },
    checkpoint: {
      type: 'object',
      additionalProperties: false,
      required: ['every', 'keyFile'],
      description: 'Ed25519-signed checkpoints of the journal head, forwarded to every sink',
      properties: {
        every: { type: 'integer', minimum: 1, maximum: 10000000, description: 'records between checkpoints' },
        keyFile: { type: 'string', minLength: 1, description: 'PEM Ed25519 private key' },
      },
    },
  },
} as const;

const validate = new Ajv({ strict: true, allErrors: true }).compile(journalSchema);

export function parseJournalConfig(value: unknown, source = 'journal'): JournalConfig {
  if (!validate(value)) {
    const error = validate.errors?.[0];
    const extra = error?.keyword === 'additionalProperties' ? `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"` : error?.message;
    throw new DriftError(ErrorCodes.SINK_CONFIG, `${source}${error?.instancePath.replace(/\//g, '.') ?? ''}: ${extra ?? 'is invalid'}`);
  }
  const config = value as JournalConfig;
  if (config.segmentBytes !== undefined && config.maxBytes !== undefined && config.maxBytes < config.segmentBytes * 2) {
    throw new DriftError(ErrorCodes.SINK_CONFIG, `${source}.maxBytes: must hold at least two segments (${config.segmentBytes * 2} bytes)`);
  }
  return Object.freeze(structuredClone(config));
}
