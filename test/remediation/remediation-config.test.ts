import t from 'tap';
import { DEFAULT_REMEDIATION_CONFIG, parseRemediationConfig } from '../../src/remediation/remediation-config.js';

t.test('an absent section is the defaults', async (t) => {
  const parsed = parseRemediationConfig(undefined, 'agent.yaml');
  t.ok(parsed.ok);
  if (parsed.ok) t.same(parsed.value, DEFAULT_REMEDIATION_CONFIG);
});

t.test('a full section is read and frozen', async (t) => {
  const parsed = parseRemediationConfig({
    mechanism: 'webhook',
    rateLimit: { perService: 2, windowSeconds: 60 },
    flap: { maxReverts: 4, windowSeconds: 30 },
    windows: [{ allow: '0 9 * * 1-5', durationMinutes: 480 }, { deny: '0 0 24 12 *', durationMinutes: 1440 }],
    proposalTtlSeconds: 120,
    webhook: { url: 'https://ci.example.com/hooks/reapply', secretFile: '/run/secrets/hook' },
    ads: { listen: '127.0.0.1:18000' },
  }, 'agent.yaml');
  t.ok(parsed.ok);
  if (!parsed.ok) return;
  t.same(parsed.value.windows, [{ kind: 'allow', cron: '0 9 * * 1-5', durationMinutes: 480 }, { kind: 'deny', cron: '0 0 24 12 *', durationMinutes: 1440 }]);
  t.equal(parsed.value.webhook?.timeoutMs, 10_000, 'timeout defaults');
  t.ok(Object.isFrozen(parsed.value));
});

const bad: Array<[string, unknown, RegExp]> = [
  ['unknown key', { mechanismm: 'auto' }, /^agent\.yaml: \/remediationPolicy\/mechanismm: unknown key$/],
  ['unknown key in a section', { ads: { listen: '127.0.0.1:0', ackTimeout: 5 } }, /^agent\.yaml: \/remediationPolicy\/ads\/ackTimeout: unknown key$/],
  ['unknown mechanism', { mechanism: 'ssh' }, /\/remediationPolicy\/mechanism: must be one of auto, runtime, filesystem, ads, webhook$/],
  ['zero reverts', { flap: { maxReverts: 0, windowSeconds: 10 } }, /\/remediationPolicy\/flap\/maxReverts: must be >= 1/],
  ['NaN-like window', { rateLimit: { perService: 1, windowSeconds: 'soon' } }, /\/remediationPolicy\/rateLimit\/windowSeconds: must be number/],
  ['bad cron', { windows: [{ allow: 'every day', durationMinutes: 5 }] }, /\/remediationPolicy\/windows\/0\/allow: invalid cron expression "every day"/],
  ['both allow and deny', { windows: [{ allow: '* * * * *', deny: '* * * * *', durationMinutes: 5 }] }, /\/remediationPolicy\/windows\/0: needs exactly one of allow or deny/],
  ['webhook without url', { mechanism: 'webhook' }, /\/remediationPolicy\/webhook: is required when mechanism is webhook/],
  ['webhook section without url', { webhook: { secretFile: '/s' } }, /^agent\.yaml: \/remediationPolicy\/webhook\/url: is required$/],
  ['webhook not http', { webhook: { url: 'ftp://x' } }, /\/remediationPolicy\/webhook\/url: must match pattern/],
];
for (const [name, value, message] of bad) {
  t.test(`refused: ${name}`, async (t) => {
    const parsed = parseRemediationConfig(value, 'agent.yaml');
    t.notOk(parsed.ok);
    if (!parsed.ok) {
      t.equal(parsed.error.code, 'ED_REMEDIATION_CONFIG');
      t.match(parsed.error.message, message);
    }
  });
}
