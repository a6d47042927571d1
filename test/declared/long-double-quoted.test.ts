import t from 'tap';
import { parse } from 'yaml';
import { decodeDoubleQuoted } from '../../src/declared/long-double-quoted.js';
import { parseText } from '../../src/declared/read-document.js';

/* A long double-quoted scalar is decoded outside yaml (which builds it one character at a time): the value must be the one yaml gives. */

const LONG = 70 * 1024;

t.test('the same value as yaml, escapes, folds and trailing spaces included', async (t) => {
  const pieces = ['plain text ', '\\n', '\\t', '\\x41', '\\u00e9', '\\U0001F600', '\\"', '\\\\', '\\ ', 'é😀', 'a  \n  b', '\n\n  c', 'd\\\n   e', 'f\r\ng', 'h\ri', '   \t'];
  let body = '';
  for (let i = 0; body.length < LONG; i++) body += pieces[i % pieces.length];
  const source = `"${body}x"`;
  t.equal(decodeDoubleQuoted(source), parse(`v: ${source.replace(/\n/g, '\n  ')}\n`).v, 'direct');
  const read = parseText('long.yaml', `a:\n  b: ${source.replace(/\n/g, '\n    ')}\n  c: {d: ${source.replace(/\n/g, '\n    ')}}\n`);
  t.ok(read.ok);
  const expected = parse(`v: ${source.replace(/\n/g, '\n  ')}\n`).v as string;
  t.same(read.ok && read.value, { a: { b: expected, c: { d: expected } } }, 'in a block map and in a flow map');
});

t.test('a long key, and a long value that is also a duplicate key, behave as short ones', async (t) => {
  const long = 'k'.repeat(LONG);
  // an implicit key is at most 1024 characters: a long one is explicit (`? key`)
  const read = parseText('key.yaml', `? "${long}"\n: 1\n`);
  t.same(read.ok && read.value, { [long]: 1 });
  const duplicate = parseText('dup.yaml', `? "${long}"\n: 1\n? "${long}"\n: 2\n`);
  t.match(!duplicate.ok && duplicate.error.message, /^dup\.yaml:3:3: invalid YAML \(Map keys must be unique\)$/);
});

t.test('a bad escape in a long scalar: the file, line and column, no value', async (t) => {
  const read = parseText('bad.yaml', `a:\n  b: "${'s'.repeat(LONG)}\\q"\n`);
  t.equal(!read.ok && read.error.message, `bad.yaml:2:${LONG + 7}: invalid YAML (Invalid escape sequence \\q)`);
  const short = parseText('bad.yaml', 'a:\n  b: "sss\\q"\n');
  t.match(!short.ok && short.error.message, /^bad\.yaml:2:\d+: invalid YAML \(Invalid escape sequence \\q\)$/, 'worded as yaml words it for a short one');
});
