import type { JournalRecord } from '../journal/record.js';

/** Plain JSON: the event's proto3 JSON form, unchanged. */
export function toJson(record: JournalRecord): Record<string, unknown> {
  return record.event as unknown as Record<string, unknown>;
}
