import type { JournalRecord } from '../journal/record.js';
import { toCef } from './cef.js';
import { toEcs } from './ecs.js';
import { toJson } from './json.js';
import { toOcsf } from './ocsf.js';

export const FORMAT_NAMES = ['ocsf', 'ecs', 'cef', 'json'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** A record as one line of text in the given format (CEF as is, the others as JSON). */
export function formatText(format: FormatName, record: JournalRecord): string {
  return format === 'cef' ? toCef(record) : JSON.stringify(formatObject(format, record));
}

/** A record as a JSON value; CEF becomes a string. */
export function formatObject(format: FormatName, record: JournalRecord): unknown {
  switch (format) {
    case 'ocsf':
      return toOcsf(record);
    case 'ecs':
      return toEcs(record);
    case 'json':
      return toJson(record);
    case 'cef':
      return toCef(record);
  }
}
