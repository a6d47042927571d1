import t from 'tap';
import { Pacing } from '../../src/agent/pacing.js';

const config = { intervalMs: 1_000, maxBackoffMs: 30_000, adminBudget: 0.01, fullCheckIntervalMs: 300_000 };

t.test('the scan interval stretches with the poll cost to the admin budget, up to the longest backoff', async (t) => {
  const pacing = new Pacing(config);
  t.equal(pacing.effectiveIntervalMs(), 1_000, 'nothing measured: the configured interval');
  for (let i = 0; i < 20; i++) pacing.scanned(50);
  t.equal(pacing.effectiveIntervalMs(), 5_000, '50 ms per scan at 1 %: every 5 s');
  for (let i = 0; i < 20; i++) pacing.scanned(5_000);
  t.equal(pacing.effectiveIntervalMs(), 30_000);
});

t.test('the next delay: the interval, a burst after a file change, jittered backoff after failures', async (t) => {
  const pacing = new Pacing(config);
  t.equal(pacing.nextDelay(0), 1_000);
  pacing.xdsFileChanged();
  t.equal(pacing.nextDelay(0), 250);
  t.ok(pacing.scanDue());
  pacing.moved();
  t.equal(pacing.nextDelay(0), 1_000);
  for (const failures of [1, 3, 10]) {
    const base = Math.min(30_000, 1_000 * 2 ** failures);
    const delay = pacing.nextDelay(failures);
    t.ok(delay >= base / 2 && delay <= base, `${failures} failures: ${delay} ms`);
  }
  pacing.checkFailed();
  pacing.checkFailed();
  t.equal(pacing.checkFailures, 2);
  t.ok(pacing.nextDelay(0) >= 2_000, 'failed checks back off too');
  pacing.checkSucceeded();
  t.equal(pacing.nextDelay(0), 1_000);
  t.notOk(pacing.fullCheckDue(), 'a check just completed');
});

t.test('a scan is due at start, then one effective interval (less half an interval) later', async (t) => {
  const pacing = new Pacing(config);
  t.ok(pacing.scanDue());
  pacing.scanned(1);
  t.notOk(pacing.scanDue());
  t.ok(pacing.fullCheckDue(), 'no check yet');
});

t.test('a check of the runtime alone leaves the full check due', async (t) => {
  const pacing = new Pacing(config);
  pacing.checkSucceeded(false);
  t.ok(pacing.fullCheckDue(), 'only /runtime was read: the config dump is still owed its full check');
  pacing.checkSucceeded();
  t.notOk(pacing.fullCheckDue());
});
