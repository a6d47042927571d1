import t from 'tap';
import { canonicalBytes, canonicalDuration, canonicalFloat, canonicalInt32, canonicalInt64, canonicalTimestamp } from '../../src/canonical/well-known.js';

t.test('durations: every spelling of the same length is one string', async (t) => {
  for (const spelling of ['5s', '5.000s', '5.0s', '5.000000000s', { seconds: 5 }, { seconds: '5', nanos: 0 }]) {
    t.equal(canonicalDuration(spelling), '5s', JSON.stringify(spelling));
  }
  t.equal(canonicalDuration('0.25s'), '0.250s');
  t.equal(canonicalDuration('1.000001s'), '1.000001s');
  t.equal(canonicalDuration('0.000000001s'), '0.000000001s');
  t.equal(canonicalDuration('-1.5s'), '-1.500s');
  t.equal(canonicalDuration('-0s'), '0s');
  for (const [spelling, canonical] of [['0s', '0s'], ['10s', '10s'], ['007s', '7s'], ['00s', '0s'], [' 3s', '3s']] as const) t.equal(canonicalDuration(spelling), canonical, spelling);
  t.equal(canonicalDuration({ seconds: 1, nanos: 500_000_000 }), '1.500s');
  for (const bad of ['5', '5m', 's', '1.0000000001s', 5, null, { seconds: 1.5 }]) t.equal(canonicalDuration(bad), undefined, JSON.stringify(bad));
});

t.test('timestamps: any offset becomes UTC', async (t) => {
  t.equal(canonicalTimestamp('2026-01-31T10:00:00Z'), '2026-01-31T10:00:00Z');
  t.equal(canonicalTimestamp('2026-01-31T12:00:00.500+02:00'), '2026-01-31T10:00:00.500Z');
  t.equal(canonicalTimestamp('2026-01-31T10:00:00.100000000Z'), '2026-01-31T10:00:00.100Z');
  t.equal(canonicalTimestamp('yesterday'), undefined);
});

t.test('integers: a number and its string spelling are the same', async (t) => {
  t.equal(canonicalInt32('42', false), 42);
  t.equal(canonicalInt32(42, true), 42);
  t.equal(canonicalInt32(-1, true), undefined);
  t.equal(canonicalInt32(1.5, false), undefined);
  t.equal(canonicalInt32('4294967296', true), undefined);
  t.equal(canonicalInt64(42, false), '42');
  t.equal(canonicalInt64('9007199254740993', true), '9007199254740993');
  t.equal(canonicalInt64('-1', true), undefined);
});

t.test('floats and bytes', async (t) => {
  t.equal(canonicalFloat('0.5', false), 0.5);
  t.equal(canonicalFloat(0.1, true), Math.fround(0.1));
  t.equal(canonicalFloat('NaN', false), 'NaN');
  t.equal(canonicalFloat(-0, false), 0);
  t.equal(canonicalBytes('aGVsbG8'), 'aGVsbG8=');
  t.equal(canonicalBytes('-_8='), '+/8=');
  t.equal(canonicalBytes('not base64!'), undefined);
});
