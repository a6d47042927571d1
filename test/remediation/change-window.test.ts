import t from 'tap';
import { ChangeWindows } from '../../src/remediation/change-window.js';
import { FlapDetector } from '../../src/remediation/flap-detector.js';
import { RateLimit } from '../../src/remediation/rate-limit.js';

const at = (iso: string) => new Date(iso);

t.test('allow windows: only inside one', async (t) => {
  // Weekdays 09:00 for eight hours, UTC.
  const windows = new ChangeWindows([{ kind: 'allow', cron: '0 9 * * 1-5', durationMinutes: 480 }]);
  t.equal(windows.blocked(at('2026-11-26T09:00:00Z')), undefined, 'opens at the cron time');
  t.equal(windows.blocked(at('2026-11-26T16:59:59Z')), undefined);
  t.match(windows.blocked(at('2026-11-26T17:00:00Z')), /outside every allow window/, 'closes after its duration');
  t.match(windows.blocked(at('2026-11-26T08:59:00Z')), /outside/);
  t.match(windows.blocked(at('2026-11-28T10:00:00Z')), /outside/, 'not on a Saturday');
});

t.test('deny windows win over allow windows', async (t) => {
  const windows = new ChangeWindows([
    { kind: 'allow', cron: '0 0 * * *', durationMinutes: 1440 },
    { kind: 'deny', cron: '0 12 * * *', durationMinutes: 60 },
  ]);
  t.equal(windows.blocked(at('2026-11-26T11:59:00Z')), undefined);
  t.match(windows.blocked(at('2026-11-26T12:30:00Z')), /inside the deny window "0 12 \* \* \*"/);
  t.equal(windows.blocked(at('2026-11-26T13:00:00Z')), undefined);
});

t.test('no windows: always', async (t) => {
  t.equal(new ChangeWindows([]).blocked(at('2026-11-26T03:00:00Z')), undefined);
});

t.test('rate limit slides', async (t) => {
  const limit = new RateLimit(2, 60_000);
  limit.record('a', at('2026-01-01T00:00:00Z'));
  limit.record('a', at('2026-01-01T00:00:30Z'));
  t.notOk(limit.allows('a', at('2026-01-01T00:00:59Z')));
  t.ok(limit.allows('b', at('2026-01-01T00:00:59Z')), 'per key');
  t.ok(limit.allows('a', at('2026-01-01T00:01:00Z')), 'the first take left the window');
});

t.test('flap detector halts once and clears when the finding goes away', async (t) => {
  const flap = new FlapDetector(2, 60_000);
  const now = at('2026-01-01T00:00:00Z');
  t.notOk(flap.shouldHalt('cluster/a', now));
  flap.record('cluster/a', now);
  flap.record('cluster/a', now);
  t.ok(flap.shouldHalt('cluster/a', now));
  t.ok(flap.isHalted('cluster/a'));
  flap.clear('cluster/a');
  t.notOk(flap.isHalted('cluster/a'));
  t.ok(flap.shouldHalt('cluster/a', now), 'still two reverts in the window');
  t.notOk(new FlapDetector(2, 60_000).shouldHalt('cluster/a', at('2026-01-01T00:02:00Z')));
});

t.test('a window that reopens every minute covers the last second before each minute too', async (t) => {
  const windows = new ChangeWindows([{ kind: 'deny', cron: '* * * * *', durationMinutes: 5 }]);
  for (const time of ['2026-11-26T17:29:59.500Z', '2026-11-26T17:30:00.000Z', '2026-11-26T17:30:00.999Z', '2026-11-26T17:30:30.000Z']) {
    t.match(windows.blocked(at(time)), /inside the deny window/, time);
  }
});
