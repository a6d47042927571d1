import { configError, configValidator, requireValid, within, type ConfigLocation } from '../common/config-validation.js';
import { ErrorCodes } from '../errors.js';

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

const validate = configValidator(journalSchema);

/** Validates the `journal:` block; `origin` names the config file in errors (`agent.yaml: /journal/maxBytes: ...`). */
export function parseJournalConfig(value: unknown, origin = 'agent config'): JournalConfig {
  const at: ConfigLocation = { origin, pointer: '/journal' };
  requireValid(validate, value, at, ErrorCodes.JOURNAL_CONFIG);
  const config = value as JournalConfig;
  if (config.segmentBytes !== undefined && config.maxBytes !== undefined && config.maxBytes < config.segmentBytes * 2) {
    throw configError(ErrorCodes.JOURNAL_CONFIG, { ...within(at, 'maxBytes'), message: `must hold at least two segments (${config.segmentBytes * 2} bytes)` });
  }
  return Object.freeze(structuredClone(config));
}
