import t from 'tap';
import { escapeCefExtension, escapeCefHeader, toCef } from '../../src/formats/cef.js';
import { driftInput, makeRecords } from '../helpers/records.js';

/** Splits at the first seven unescaped pipes, as a CEF reader does; pipes in the extension stay. */
function splitCef(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (fields.length < 7 && c === '\\') {
      current += c + (line[++i] ?? '');
    } else if (fields.length < 7 && c === '|') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  return [...fields, current];
}

t.test('header fields escape backslash and pipe, and never hold a line break', async (t) => {
  t.equal(escapeCefHeader('a|b\\c'), 'a\\|b\\\\c');
  t.equal(escapeCefHeader('one\ntwo\r\nthree'), 'one two three');
  t.equal(escapeCefHeader('a=b'), 'a=b', 'equals needs no escape in the header');
});

t.test('extension values escape backslash, equals and line breaks', async (t) => {
  t.equal(escapeCefExtension('a=b\\c'), 'a\\=b\\\\c');
  t.equal(escapeCefExtension('one\ntwo\rthree'), 'one\\ntwo\\rthree');
  t.equal(escapeCefExtension('a|b'), 'a|b', 'pipe needs no escape in extensions');
});

t.test('a record becomes one CEF line with severity 0-10 and the event id', async (t) => {
  const severities = { info: '1', low: '3', medium: '5', high: '8', critical: '10' } as const;
  for (const [severity, cef] of Object.entries(severities)) {
    const [record] = makeRecords([driftInput(1, { severity: severity as keyof typeof severities, message: 'x|y=z\\w\nv' })]);
    if (!record) throw new Error('no record');
    const line = toCef(record);
    t.notMatch(line, /\n/);
    const header = splitCef(line);
    t.equal(header.length, 8, 'seven header fields and the extension');
    t.same(header.slice(0, 7), ['CEF:0', 'envoy-drift', 'envoy-drift', header[3], 'drift.detected', 'x\\|y=z\\\\w v', cef]);
    t.match(header[7], `externalId=${record.event.id} `);
    t.match(header[7], 'msg=x|y\\=z\\\\w\\nv');
    t.match(header[7], `cs1Label=service cs1=web `);
    t.match(header[7], /cn1Label=journalSeq cn1=1$/);
  }
});

t.test('labels appear only with their values', async (t) => {
  const [record] = makeRecords([{ type: 'agent.started', severity: 'info', message: 'started' }]);
  if (!record) throw new Error('no record');
  t.notMatch(toCef(record), /cs1Label|cs2Label|cs3Label|cs6Label|flexString/);
});
