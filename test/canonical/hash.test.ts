import t from 'tap';
import { canonicalStringify, type JsonValue } from '../../src/canonical/canonical-json.js';
import { hashValue, sha256 } from '../../src/canonical/hash.js';

/* hashValue hashes the canonical bytes in pieces: the same digest as hashing canonicalStringify's text, whatever the value. */

t.test('the digest of the canonical text, for long strings cut at any point', async (t) => {
  const slice = 64 * 1024;
  const values: JsonValue[] = [
    null,
    true,
    -1.5,
    'short',
    [],
    {},
    { b: [1, 'two', { c: null }], a: 'é😀"\\\n\u0001', '\u2028': false },
  ];
  // a surrogate pair, an escape and a lone surrogate astride each slice boundary
  for (const offset of [-2, -1, 0, 1]) {
    values.push('x'.repeat(slice + offset) + '😀' + 'y'.repeat(slice));
    values.push('x'.repeat(slice + offset) + '"\n\\' + 'y'.repeat(slice));
    values.push('x'.repeat(slice + offset) + '\ud800' + 'y'.repeat(slice) + '\udc00');
  }
  values.push({ route: { body: { inline_string: 'z'.repeat(3 * slice + 7) } }, list: ['a'.repeat(slice * 2), 1] });
  for (const [i, value] of values.entries()) t.equal(hashValue(value), sha256(canonicalStringify(value)), `value ${i}`);
});
