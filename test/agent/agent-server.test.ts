import t from 'tap';
import { connect, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { AgentServer, type AgentView } from '../../src/agent/agent-server.js';
import type { DriftReport } from '../../src/compare/drift.js';
import { createEvent, type DriftEvent } from '../../src/events/event.js';
import { eventually } from '../helpers/eventually.js';

/*
 * The endpoint on its own, on a real loopback port, in front of a small view:
 * what a client can send it (bad encodings, case, HEAD) and what a client that
 * stops reading costs it.
 */

const report = { inSync: true, services: [{ name: 'payments', inSync: true }], drift: [], ignored: [] } as unknown as DriftReport;

function view(): AgentView & { listeners: Set<(e: DriftEvent) => void> } {
  const listeners = new Set<(e: DriftEvent) => void>();
  return {
    registry: new Registry(),
    listeners,
    healthy: () => true,
    readiness: () => ({ ready: true }),
    status: () => ({}),
    report: () => report,
    snapshot: () => ({}),
    checkNow: async () => report,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

async function start(t: { teardown(fn: () => unknown): void }, guard = {}, token: Buffer | null = Buffer.from('s3cret'), v = view()) {
  const server = new AgentServer(v, token ?? undefined, [
    { method: 'POST', pattern: /^\/v1\/remediations\/([^/]+)\/approve$/, mutating: true, handle: async (m) => ({ status: 200, body: { id: decodeURIComponent(m[1]!) } }) },
  ], guard);
  const endpoint = await server.listen({ kind: 'tcp', host: '127.0.0.1', port: 0, loopback: true });
  t.teardown(() => server.close());
  return { v, endpoint, server };
}

t.test('malformed percent-encoding is a 400, not a 500', async (t) => {
  const { endpoint } = await start(t);
  const drift = await request(`${endpoint}/v1/drift/%FF`);
  t.equal(drift.statusCode, 400);
  t.same(await drift.body.json(), { error: 'ED_AGENT_BAD_REQUEST', message: 'malformed percent-encoding in the path' });
  const approve = await request(`${endpoint}/v1/remediations/%E0%A4%A/approve`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
  t.equal(approve.statusCode, 400);
  await approve.body.dump();
  const good = await request(`${endpoint}/v1/drift/pay%6Dents`);
  t.equal(good.statusCode, 200);
  await good.body.dump();
});

t.test('the bearer scheme is case-insensitive; HEAD answers the probes', async (t) => {
  const { endpoint } = await start(t);
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const response = await request(`${endpoint}/v1/check`, { method: 'POST', headers: { authorization: `${scheme} s3cret` } });
    t.equal(response.statusCode, 200, scheme);
    await response.body.dump();
  }
  const wrong = await request(`${endpoint}/v1/check`, { method: 'POST', headers: { authorization: 'bearer nope!!' } });
  t.equal(wrong.statusCode, 401);
  await wrong.body.dump();
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const head = await request(`${endpoint}${path}`, { method: 'HEAD' });
    t.equal(head.statusCode, 200, `HEAD ${path}`);
    t.equal(await head.body.text(), '');
  }
});

t.test('an event-stream reader that stops reading is dropped at a bound, and counted', async (t) => {
  const { v, endpoint } = await start(t);
  const { port } = new URL(endpoint);
  const socket = connect(Number(port), '127.0.0.1');
  t.teardown(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('GET /v1/events HTTP/1.1\r\nHost: agent\r\n\r\n');
  await eventually(() => v.listeners.size > 0, 'the event stream subscribed');
  socket.pause();
  const event = createEvent({ type: 'agent.started', severity: 'info', message: 'x'.repeat(2000) });
  // 40 MB offered to a reader that reads nothing: far past any socket buffer.
  for (let i = 0; i < 20_000 && v.listeners.size > 0; i++) {
    for (const listener of [...v.listeners]) listener(event);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  t.equal(v.listeners.size, 0, 'the slow reader was dropped');
  t.match(await v.registry.metrics(), /envoydrift_sse_clients_dropped_total 1/);
});

t.test('half-open connections past the cap make room; probes keep answering', async (t) => {
  const cap = 32;
  const { endpoint, server } = await start(t, { maxConnections: cap });
  const { port } = new URL(endpoint);
  const sockets: Socket[] = [];
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  const closed = { count: 0 };
  // 200 slowloris clients from loopback: connect, send half a request line, never finish.
  for (let i = 0; i < 200; i++) {
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => closed.count++);
    socket.write('GET /healthz HTTP/1.1\r\nHost: a');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()));
  }
  for (let i = 0; i < 20; i++) {
    const probe = await request(`${endpoint}/healthz`, { reset: true });
    t.equal(probe.statusCode, 200, `probe ${i}`);
    await probe.body.dump();
  }
  await eventually(() => closed.count >= 200 - cap, `${200 - cap} connections closed`);
  const held = await new Promise<number>((resolve, reject) => (server as unknown as { server: { getConnections(cb: (e: Error | null, n: number) => void): void } }).server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  t.ok(held <= cap, `the server holds ${held} connections, at most the cap of ${cap}`);
});

t.test('every error answer is { error: <code from errors.ts>, message: <one line> }', async (t) => {
  const { endpoint } = await start(t);
  const { endpoint: tokenless } = await start(t, {}, null);
  const { endpoint: unchecked } = await start(t, {}, Buffer.from('s3cret'), { ...view(), report: () => undefined });
  const cases: Array<[string, string, string | undefined, number, string, RegExp]> = [
    [endpoint, '/v1/check', 'POST', 401, 'ED_AGENT_UNAUTHORIZED', /^missing or wrong bearer token$/],
    [tokenless, '/v1/check', 'POST', 403, 'ED_AGENT_FORBIDDEN', /^mutating routes are disabled: start the agent with --token-file$/],
    [tokenless, '/v1/remediations/rem-1/approve', 'POST', 403, 'ED_AGENT_FORBIDDEN', /--token-file/],
    [endpoint, '/nowhere', 'GET', 404, 'ED_AGENT_NOT_FOUND', /^\/nowhere: not found$/],
    [endpoint, '/v1/drift/orders', 'GET', 404, 'ED_AGENT_NOT_FOUND', /^no service "orders"$/],
    [endpoint, '/v1/status', 'DELETE', 405, 'ED_AGENT_METHOD_NOT_ALLOWED', /^DELETE \/v1\/status: method not allowed$/],
    [unchecked, '/v1/drift', 'GET', 503, 'ED_AGENT_NO_CHECK_YET', /^no complete check yet$/],
    [unchecked, '/v1/drift/payments', 'GET', 503, 'ED_AGENT_NO_CHECK_YET', /^no complete check yet$/],
  ];
  for (const [base, path, method, status, error, message] of cases) {
    const response = await request(`${base}${path}`, { method: method as 'GET' });
    t.equal(response.statusCode, status, `${method} ${path}`);
    t.equal(response.headers['content-type'], 'application/json');
    const body = (await response.body.json()) as Record<string, unknown>;
    t.same(Object.keys(body), ['error', 'message']);
    t.match(body, { error, message }, `${method} ${path}`);
  }
});
