import { ErrorCodes } from '../errors.js';
import { configError, INVALID_MESSAGE } from './config-validation.js';

/**
 * The one duration rule, in config files, environment and flags alike: a
 * number and its unit, `500ms`, `2s`, `1.5m`, `1h`. A bare number is refused
 * everywhere, since `--timeout 5` could mean seconds or milliseconds.
 */
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export const DURATION_MESSAGE = 'must be a duration with its unit, such as 500ms, 2s or 1m';

/** The schema of a duration setting: the same rule as parseDuration, worded the same. */
export const durationSchema = { type: 'string', pattern: DURATION.source, [INVALID_MESSAGE]: DURATION_MESSAGE } as const;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** Milliseconds of a duration setting, `fallbackMs` when it is not set; `origin` (`--timeout`) names it in the one-line error. */
export function durationSetting(origin: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) throw configError(ErrorCodes.USAGE, { origin, pointer: '', message: DURATION_MESSAGE });
  return ms;
}
