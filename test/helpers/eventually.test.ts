import t from 'tap';
import { eventually } from './eventually.js';

t.test('resolves with the first done value; errors and undefined count as not yet', async (t) => {
  let calls = 0;
  const value = await eventually(() => {
    calls++;
    if (calls === 1) throw new Error('not up');
    return calls < 3 ? undefined : { calls };
  }, 'three calls', { intervalMs: 1 });
  t.same(value, { calls: 3 });
  t.equal(await eventually(() => 0, 'zero counts as done'), 0);
  t.same(await eventually(() => [calls++], 'until', { intervalMs: 1, until: (v) => v[0]! >= 5 }), [5]);
});

t.test('a timeout names what was awaited and the last value or error', async (t) => {
  await t.rejects(eventually(() => ({ seen: 'x' }), 'the thing', { timeoutMs: 20, intervalMs: 5, until: () => false }), { message: /^timed out after 20 ms waiting for the thing; last value: \{ seen: 'x' \}$/ });
  await t.rejects(eventually(() => Promise.reject(new Error('ECONNREFUSED')), 'the server', { timeoutMs: 20, intervalMs: 5 }), { message: 'timed out after 20 ms waiting for the server; last error: ECONNREFUSED' });
  await t.rejects(eventually(() => false, 'a flag', { timeoutMs: 20, intervalMs: 5 }), { message: /last value: false$/ });
});

t.test('abort stops the wait at once with its reason', async (t) => {
  const started = Date.now();
  await t.rejects(eventually(() => undefined, 'the process', { timeoutMs: 10_000, abort: () => 'it exited with 1' }), { message: 'gave up waiting for the process: it exited with 1' });
  t.ok(Date.now() - started < 1_000);
});
