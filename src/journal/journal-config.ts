import { Ajv } from 'ajv';
import { DriftError, ErrorCodes } from '../errors.js';

/** The `journal:` block of the agent's config file; the agent's schema embeds `journalSchema`. */
export interface JournalConfig {
  readonly segmentBytes?: number;
  readonly maxBytes?: number;
  readonly checkpoint?: { readonly every?: number; readonly intervalSeconds?: number; readonly keyFile?: string };
}

/**
 * Checkpoints are always on: a record of the head leaves the node within
 * 30 s of any write (and every 1000 records, and at shutdown), so deleting
 * the newest records is visible off the node within a minute.
 */
export const DEFAULT_CHECKPOINT_EVERY = 1000;
export const DEFAULT_CHECKPOINT_INTERVAL_SECONDS = 30;

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
      description: 'checkpoints of the journal head (always written; signed with keyFile), forwarded to every sink as the anchor for audit verify --anchor',
      properties: {
        every: { type: 'integer', minimum: 1, maximum: 10000000, description: 'records between checkpoints (default 1000)' },
        intervalSeconds: { type: 'integer', minimum: 1, maximum: 3600, description: 'seconds between checkpoints while anything was written (default 30)' },
        keyFile: { type: 'string', minLength: 1, description: 'PEM Ed25519 private key; without it checkpoints are unsigned' },
      },
    },
  },
} as const;

const validate = new Ajv({ strict: true, allErrors: true }).compile(journalSchema);

export function parseJournalConfig(value: unknown, source = 'journal'): JournalConfig {
  if (!validate(value)) {
    const error = validate.errors?.[0];
    const extra = error?.keyword === 'additionalProperties' ? `unknown key "${(error.params as { additionalProperty: string }).additionalProperty}"` : error?.message;
    throw new DriftError(ErrorCodes.JOURNAL_CONFIG, `${source}${error?.instancePath.replace(/\//g, '.') ?? ''}: ${extra ?? 'is invalid'}`);
  }
  const config = value as JournalConfig;
  if (config.segmentBytes !== undefined && config.maxBytes !== undefined && config.maxBytes < config.segmentBytes * 2) {
    throw new DriftError(ErrorCodes.JOURNAL_CONFIG, `${source}.maxBytes: must hold at least two segments (${config.segmentBytes * 2} bytes)`);
  }
  return Object.freeze(structuredClone(config));
}
