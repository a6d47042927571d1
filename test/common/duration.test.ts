import t from 'tap';
import { DURATION_MESSAGE, durationSetting, parseDuration } from '../../src/common/duration.js';
import { configValidator } from '../../src/common/config-validation.js';
import { durationSchema } from '../../src/common/duration.js';

t.test('a number and its unit, in milliseconds', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('2s'), 2000);
  t.equal(parseDuration('1.5m'), 90_000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('0s'), 0);
});

t.test('anything else is not a duration: a bare number, spaces, signs, other units', async (t) => {
  for (const text of ['5', '0', '', 's', '1 s', ' 1s', '1s ', '-1s', '+1s', '1.s', '.5s', '1e3ms', '1d', '1S', '1m30s', 'NaN', 'Infinitys']) {
    t.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
});

t.test('a setting: the fallback when unset, one line naming the origin when invalid', async (t) => {
  t.equal(durationSetting('--timeout', undefined, 10_000), 10_000);
  t.equal(durationSetting('--timeout', '3s', 10_000), 3000);
  t.throws(() => durationSetting('--timeout', '5', 10_000), { code: 'ED_USAGE', message: `--timeout: ${DURATION_MESSAGE}` });
  t.throws(() => durationSetting('--timeout', 's3cr3t', 10_000), { message: /^--timeout: must be a duration with its unit, such as 500ms, 2s or 1m$/ }, 'the value is not echoed');
});

t.test('the schema fragment follows the same rule, worded the same', async (t) => {
  const validate = configValidator(durationSchema);
  for (const text of ['500ms', '2s', '1.5m', '1h']) t.same(validate(text, { origin: 'f', pointer: '/d' }), [], text);
  for (const value of ['5', '1 s', '1d', 5]) {
    t.same(validate(value, { origin: 'f', pointer: '/d' }), [{ origin: 'f', pointer: '/d', message: DURATION_MESSAGE }], String(value));
  }
});
