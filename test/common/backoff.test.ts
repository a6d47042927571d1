import t from 'tap';
import { backoffDelay } from '../../src/common/backoff.js';
import { sleep } from '../../src/common/sleep.js';

t.test('backoff is exponential, with equal jitter within [ceiling/2, ceiling], and capped', async (t) => {
  const options = { initialMs: 100, maxMs: 1000 };
  t.same([0, 1, 2, 3, 10].map((n) => backoffDelay(n, options, () => 1)), [100, 200, 400, 800, 1000]);
  t.same([0, 1, 2, 10].map((n) => backoffDelay(n, options, () => 0)), [50, 100, 200, 500]);
  t.same([0, 1, 10].map((n) => backoffDelay(n, options, () => 0.5)), [75, 150, 750]);
});

t.test('the floor grows with every failure until the cap: a peer is never retried at once', async (t) => {
  const options = { initialMs: 500, maxMs: 30_000 };
  const floors = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, options, () => 0));
  t.same(floors, [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
});

t.test('a huge attempt count stays finite, a negative one counts as the first', async (t) => {
  t.equal(backoffDelay(100_000, { initialMs: 1, maxMs: 5_000 }, () => 1), 5_000);
  t.equal(backoffDelay(-3, { initialMs: 100, maxMs: 1_000 }, () => 1), 100);
});

t.test('sleep ends early when its signal aborts', async (t) => {
  const controller = new AbortController();
  const started = Date.now();
  const slept = sleep(60_000, controller.signal);
  controller.abort();
  await slept;
  t.ok(Date.now() - started < 1_000);
  await sleep(1, AbortSignal.abort());
});
