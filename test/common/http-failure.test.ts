import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { isRetryableStatus, retryAfterMs, statusFailure, transportFailure } from '../../src/common/http-failure.js';

t.test('408, 429 and 5xx are worth retrying; other statuses are not', async (t) => {
  t.same([408, 429, 500, 502, 503, 504, 599].map(isRetryableStatus), [true, true, true, true, true, true, true]);
  t.same([200, 301, 400, 401, 403, 404, 409, 413, 600].map(isRetryableStatus), [false, false, false, false, false, false, false, false, false]);
});

t.test('Retry-After in seconds or as an HTTP date; absent, empty or unreadable is none', async (t) => {
  const now = Date.parse('2026-12-02T06:00:00Z');
  t.equal(retryAfterMs('7', now), 7000);
  t.equal(retryAfterMs(['0'], now), 0);
  t.equal(retryAfterMs('Wed, 02 Dec 2026 06:00:30 GMT', now), 30_000);
  t.equal(retryAfterMs('Wed, 02 Dec 2026 05:00:00 GMT', now), 0, 'a date in the past: at once');
  for (const value of [undefined, '', ' ', 'soon', '-5']) t.equal(retryAfterMs(value, now), undefined, String(value));
});

t.test('a status is read with its Retry-After only when it is worth retrying', async (t) => {
  t.same(statusFailure(503, { 'retry-after': '2' }), { status: 503, retryable: true, retryAfterMs: 2000 });
  t.same(statusFailure(429, {}), { status: 429, retryable: true });
  t.same(statusFailure(401, { 'retry-after': '2' }), { status: 401, retryable: false });
});

t.test('transport failures: timeouts, aborts, and everything else unreachable, with the short code as reason', async (t) => {
  t.match(transportFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })), { kind: 'unreachable', reason: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' });
  t.match(transportFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), { kind: 'unreachable', reason: 'ECONNRESET' });
  t.match(transportFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) })), { kind: 'unreachable', reason: 'ENOTFOUND' });
  t.match(transportFailure(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), { kind: 'timeout', reason: 'UND_ERR_HEADERS_TIMEOUT' });
  t.match(transportFailure(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })), { kind: 'timeout' });
  // AbortSignal.timeout's DOMException has a numeric code (23): it is not the reason.
  const timedOut = AbortSignal.timeout(1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.match(transportFailure(timedOut.reason), { kind: 'timeout', reason: 'The operation was aborted due to timeout' });
  const aborted = new AbortController();
  aborted.abort();
  t.match(transportFailure(aborted.signal.reason), { kind: 'aborted' });
  t.match(transportFailure('weird'), { kind: 'unreachable', reason: 'weird', message: 'weird' });
  t.match(transportFailure(new Error('first line\nsecond line')), { reason: 'first line', message: 'first line' });
});

t.test('what undici throws for a refused connection and for a server that does not answer in time', async (t) => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await request(dead).catch((error: unknown) => error);
  t.match(transportFailure(refused), { kind: 'unreachable', reason: 'ECONNREFUSED' });

  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { silent.closeAllConnections(); silent.close(() => resolve()); }));
  const slow = await request(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { signal: AbortSignal.timeout(100) }).catch((error: unknown) => error);
  t.match(transportFailure(slow), { kind: 'timeout' });
});
