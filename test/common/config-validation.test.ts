import t from 'tap';
import { configError, configValidator, formatProblems, INVALID_MESSAGE, requireValid, within } from '../../src/common/config-validation.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z]+$' },
    mode: { enum: ['a', 'b'] },
    version: { const: 'v1' },
    items: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'string' },
          { type: 'object', additionalProperties: false, required: ['regex'], properties: { regex: { type: 'string' } } },
        ],
      },
    },
    budget: { type: 'string', pattern: '^\\d+%$', [INVALID_MESSAGE]: 'must be a percentage such as 2%' },
  },
} as const;

const validate = configValidator(schema);
const at = { origin: 'agent.yaml', pointer: '/section' };

t.test('valid: no problems', async (t) => {
  t.same(validate({ name: 'x', mode: 'a', version: 'v1', items: ['a', { regex: 'b' }], budget: '2%' }, at), []);
});

t.test('each problem is named by the JSON pointer of its field inside the origin', async (t) => {
  t.same(validate({ name: 'x', colour: 1 }, at), [{ origin: 'agent.yaml', pointer: '/section/colour', message: 'unknown key' }]);
  t.same(validate({}, at), [{ origin: 'agent.yaml', pointer: '/section/name', message: 'is required' }]);
  t.same(validate({ name: 'x', mode: 'c' }, at), [{ origin: 'agent.yaml', pointer: '/section/mode', message: 'must be one of a, b' }]);
  t.same(validate({ name: 'x', version: 'v2' }, at), [{ origin: 'agent.yaml', pointer: '/section/version', message: 'must be "v1"' }]);
  t.same(validate({ name: 'x', budget: '2' }, at), [{ origin: 'agent.yaml', pointer: '/section/budget', message: 'must be a percentage such as 2%' }]);
  t.same(validate({ name: 'x', 'a/b~c': 1 }, at), [{ origin: 'agent.yaml', pointer: '/section/a~1b~0c', message: 'unknown key' }], 'pointer escaping (RFC 6901)');
});

t.test('a failed oneOf is told by its branches, not by a summary', async (t) => {
  const problems = validate({ name: 'x', items: [{ regexp: 'b' }] }, at);
  t.ok(problems.some((p) => p.pointer === '/section/items/0/regexp' && p.message === 'unknown key'));
  t.notOk(problems.some((p) => /oneOf/.test(p.message)));
});

t.test('one line: the origin once, every problem with its pointer, at most three', async (t) => {
  const problems = validate({ a: 1, b: 2, c: 3, d: 4 }, { origin: 'agent.yaml', pointer: '' });
  const message = formatProblems(problems);
  t.equal(message, 'agent.yaml: /name: is required; /a: unknown key; /b: unknown key (and 2 more)');
  t.equal(formatProblems([{ origin: '--interval', pointer: '', message: 'm' }, { origin: '--timeout', pointer: '', message: 'n' }]), '--interval: m; --timeout: n');
  t.throws(() => requireValid(validate, { name: 'x', mode: 'c' }, at, 'ED_USAGE'), { code: 'ED_USAGE', message: 'agent.yaml: /section/mode: must be one of a, b' });
  const cause = new Error('inner');
  t.equal(configError('ED_USAGE', { ...within(at, 'items', 0), message: 'x' }, { cause }).cause, cause);
  t.equal(configError('ED_USAGE', { ...within(at, 'items', 0), message: 'x' }).message, 'agent.yaml: /section/items/0: x');
});

t.test('values never reach the message, only keys and the schema', async (t) => {
  const secret = 's3cr3t-abc';
  for (const value of [{ name: secret }, { name: 'x', mode: secret }, { name: 'x', version: secret }, { name: 'x', token: secret }, { name: 'x', items: [{ secret }] }, { name: 'x', budget: secret }]) {
    const message = formatProblems(validate(value, at));
    t.ok(message.length > 0);
    t.notMatch(message, secret, message);
  }
});
