import t from 'tap';
import { canonicalStringify, type JsonValue } from '../../src/canonical/canonical-json.js';
import { sameCanonical } from '../../src/canonical/same-canonical.js';

/* sameCanonical stands in for hashing a value whose counterpart was hashed: it may say true only when the canonical texts are equal. */

const values: JsonValue[] = [
  null,
  0,
  -0,
  1,
  1.5,
  NaN,
  true,
  false,
  '',
  '1',
  'a',
  [],
  {},
  [1, 2],
  [2, 1],
  [1, [2]],
  [[1], 2],
  { a: 1 },
  { a: '1' },
  { b: 1 },
  { a: 1, b: 2 },
  { b: 2, a: 1 },
  { a: { b: [1, { c: null }] } },
  { a: { b: [1, { c: false }] } },
  { '10': 'x', '2': 'y' },
  { '2': 'y', '10': 'x' },
  { __proto__: null, a: 1 } as unknown as JsonValue,
  JSON.parse('{"__proto__": 1}') as JsonValue,
];

t.test('true exactly when the canonical texts are equal (NaN and null aside)', async (t) => {
  for (const a of values) {
    for (const b of values) {
      const same = canonicalStringify(a) === canonicalStringify(b);
      const spelledApart = (Number.isNaN(a) && b === null) || (a === null && Number.isNaN(b)) || (Number.isNaN(a) && Number.isNaN(b));
      t.equal(sameCanonical(a, b), same && !spelledApart, `${canonicalStringify(a)} vs ${canonicalStringify(b)}`);
    }
  }
});

t.test('a deep copy is the same; one changed leaf is not', async (t) => {
  const value: JsonValue = { name: 'svc', lb: [{ endpoints: [{ address: { port: 80, host: '127.0.0.1' } }] }], timeout: '1s' };
  const copy = JSON.parse(JSON.stringify(value)) as JsonValue;
  t.ok(sameCanonical(value, copy));
  const changed = JSON.parse(JSON.stringify(value)) as { lb: Array<{ endpoints: Array<{ address: { port: number } }> }> };
  changed.lb[0]!.endpoints[0]!.address.port = 81;
  t.notOk(sameCanonical(value, changed as unknown as JsonValue));
  t.notOk(sameCanonical({ a: [1] }, { a: { 0: 1 } }), 'a list is not an object with index keys');
});
