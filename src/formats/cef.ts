import type { JournalRecord } from '../journal/record.js';
import { version } from '../common/version.js';
import { CEF_SEVERITY } from './severity.js';

/**
 * ArcSight CEF:0. Header fields escape `\` and `|` and may not hold a line
 * break; extension values escape `\` and `=`, and carry line breaks as `\n`
 * and `\r`.
 */
export function escapeCefHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, ' ');
}

export function escapeCefExtension(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

export function toCef(record: JournalRecord): string {
  const event = record.event;
  const header = ['CEF:0', 'envoy-drift', 'envoy-drift', version, event.type, event.message, String(CEF_SEVERITY[event.severity])].map((field, index) =>
    index === 0 ? field : escapeCefHeader(field),
  );
  const extension: Array<[string, string | number | undefined]> = [
    ['rt', Date.parse(event.time)],
    ['externalId', event.id],
    ['act', event.type],
    ['msg', event.message],
    ['deviceExternalId', event.proxy.nodeId],
    ['dvchost', event.proxy.pod],
    ['cs1Label', 'service'],
    ['cs1', event.service],
    ['cs2Label', 'findingId'],
    ['cs2', event.findingId],
    ['cs3Label', 'resource'],
    ['cs3', event.resource ? `${event.resource.type}/${event.resource.name}` : undefined],
    ['cs4Label', 'cluster'],
    ['cs4', event.proxy.cluster],
    ['cs5Label', 'namespace'],
    ['cs5', event.proxy.namespace],
    ['cs6Label', 'changedPaths'],
    ['cs6', event.changes?.map((c) => c.path).join(',')],
    ['flexString1Label', 'declaredHash'],
    ['flexString1', event.declaredHash],
    ['flexString2Label', 'liveHash'],
    ['flexString2', event.liveHash],
    ['cn1Label', 'journalSeq'],
    ['cn1', record.seq],
  ];
  const pairs: string[] = [];
  for (let index = 0; index < extension.length; index++) {
    const [key, value] = extension[index] as [string, string | number | undefined];
    if (key.endsWith('Label')) {
      const next = extension[index + 1];
      if (!next || next[1] === undefined || next[1] === '') {
        index++;
        continue;
      }
    }
    if (value === undefined || value === '') continue;
    pairs.push(`${key}=${escapeCefExtension(String(value))}`);
  }
  return `${header.join('|')}|${pairs.join(' ')}`;
}
