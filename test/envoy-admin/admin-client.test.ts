import t from 'tap';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseAdminAddress } from '../../src/envoy-admin/admin-address.js';
import { AdminClient } from '../../src/envoy-admin/admin-client.js';
import { startEnvoy } from '../helpers/envoy.js';
import { httpServer, type Teardown } from '../helpers/http-server.js';
import { freePort } from '../helpers/ports.js';
import { workdir } from '../helpers/workdir.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(t: Teardown, handler: Handler, socketPath?: string): Promise<string> {
  return (await httpServer(t, handler, socketPath ? { socketPath } : {})).origin;
}

function client(address: string, options: { timeoutMs?: number; firstStartTimeoutMs?: number; maxBytes?: number } = {}): AdminClient {
  const parsed = parseAdminAddress(address);
  if (!parsed.ok) throw parsed.error;
  return new AdminClient(parsed.value, options);
}

t.test('admin addresses', async (t) => {
  t.match(parseAdminAddress('127.0.0.1:9901'), { ok: true, value: { origin: 'http://127.0.0.1:9901' } });
  t.match(parseAdminAddress('http://[::1]:9901'), { ok: true, value: { origin: 'http://[::1]:9901' } });
  t.match(parseAdminAddress('unix:/run/envoy/admin.sock'), { ok: true, value: { socketPath: '/run/envoy/admin.sock' } });
  t.match(parseAdminAddress('unix:'), { ok: false, error: { code: 'ED_USAGE' } });
  t.match(parseAdminAddress('ftp://x:1'), { ok: false, error: { code: 'ED_USAGE' } });
  t.match(parseAdminAddress('http://127.0.0.1:9901/config_dump'), { ok: false, error: { code: 'ED_USAGE', message: /without a path/ } });
});

t.test('reads JSON from a real Envoy over a unix socket', async (t) => {
  const dir = workdir(t, 'envoy-drift-sock-');
  const envoy = await startEnvoy({ config: { admin: { address: { pipe: { path: join(dir, 'admin.sock') } } } } });
  t.teardown(() => envoy.stop());
  t.equal(envoy.admin, `unix:${join(dir, 'admin.sock')}`);
  const admin = client(envoy.admin);
  t.teardown(() => admin.close());
  const info = (await admin.serverInfo()) as { state: string };
  t.equal(info.state, 'LIVE');
  const dump = (await admin.configDump({ mask: 'bootstrap.admin' })) as { configs: Array<{ bootstrap?: { admin?: unknown } }> };
  t.same(dump.configs[0]?.bootstrap, { admin: { address: { pipe: { path: join(dir, 'admin.sock') } } } }, 'mask trims the dump');
});

t.test('an HTML answer is one clear error', async (t) => {
  const address = await serve(t, (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>proxy login</body></html>'));
  const admin = client(address);
  t.teardown(() => admin.close());
  await t.rejects(admin.configDump(), { code: 'ED_ADMIN_BAD_RESPONSE', message: /\/config_dump: expected JSON, got an HTML page/ });
});

t.test('a truncated dump is one clear error', async (t) => {
  const address = await serve(t, (_req, res) => res.writeHead(200).end('{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.Boot'));
  const admin = client(address);
  t.teardown(() => admin.close());
  await t.rejects(admin.configDump(), { code: 'ED_ADMIN_BAD_RESPONSE', message: /malformed or truncated JSON/ });
});

t.test('characters cut between two pieces of the answer arrive whole', async (t) => {
  const body = Buffer.from(JSON.stringify({ name: 'café-😀-ü' }));
  // Cut inside the two-byte é and inside the four-byte emoji; each piece written on its own.
  const cuts = [0, body.indexOf(0xc3) + 1, body.indexOf(0xf0) + 2, body.length];
  const address = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const next = (i: number): void => {
      if (i === cuts.length - 1) return void res.end();
      res.write(body.subarray(cuts[i], cuts[i + 1]));
      setTimeout(() => next(i + 1), 20);
    };
    next(0);
  });
  const admin = client(address);
  t.teardown(() => admin.close());
  t.same(await admin.getJson('/x', {}), { name: 'café-😀-ü' });
});

t.test('an HTTP error status names the status', async (t) => {
  const address = await serve(t, (_req, res) => res.writeHead(503).end('service unavailable\n'));
  const admin = client(address);
  t.teardown(() => admin.close());
  await t.rejects(admin.runtime(), { code: 'ED_ADMIN_HTTP_STATUS', message: /\/runtime: HTTP 503 \(service unavailable\)/ });
});

t.test('a response over the size limit is refused, not buffered', async (t) => {
  const address = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.end(`{"configs": [${'"x",'.repeat(10_000)}"x"]}`);
  });
  const admin = client(address, { maxBytes: 1024 });
  t.teardown(() => admin.close());
  await t.rejects(admin.configDump(), { code: 'ED_ADMIN_TOO_LARGE' });
});

t.test('an admin that never answers times out', async (t) => {
  const address = await serve(t, () => undefined);
  const admin = client(address, { timeoutMs: 200 });
  t.teardown(() => admin.close());
  await t.rejects(admin.serverInfo(), { code: 'ED_ADMIN_TIMEOUT', message: /no answer within 200 ms/ });
});

t.test('an unreachable admin is one clear error', async (t) => {
  const port = await freePort();
  const refused = client(`http://127.0.0.1:${port}`, { timeoutMs: 2000 });
  t.teardown(() => refused.close());
  await t.rejects(refused.serverInfo(), { code: 'ED_ADMIN_UNREACHABLE', message: /unreachable \(ECONNREFUSED\)/ });

  const dir = workdir(t, 'envoy-drift-none-');
  const missing = client(`unix:${join(dir, 'missing.sock')}`);
  t.teardown(() => missing.close());
  await t.rejects(missing.serverInfo(), { code: 'ED_ADMIN_UNREACHABLE', message: /unreachable \(ENOENT\)/ });
});

/* The timeout bounds the wait for an answer to start and every pause inside it; how long the whole answer may take follows its size. */

/** Writes `pieces` pieces of `text`, one every `everyMs`, then ends; stops quietly once the client has gone. */
function trickle(res: ServerResponse, text: string, pieces: number, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const size = Math.ceil(text.length / pieces);
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    if (sent >= text.length) return void res.end();
    res.write(text.slice(sent, sent + size));
    sent += size;
    setTimeout(next, everyMs);
  };
  next();
}

t.test('a large answer that keeps coming may take longer than the timeout in all', async (t) => {
  const body = JSON.stringify({ configs: Array.from({ length: 2048 }, (_, i) => ({ name: `c${i}`, pad: 'x'.repeat(1024) })) });
  const address = await serve(t, (_req, res) => trickle(res, body, 30, 60));
  const admin = client(address, { timeoutMs: 1000 });
  t.teardown(() => admin.close());
  t.same(await admin.configDump(), JSON.parse(body), 'about 1.8 s of pieces, none more than 60 ms apart: 2 MiB allows 1 s + 2 s');
});

t.test('an answer that stops halfway times out after one pause', async (t) => {
  const address = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.write('{"configs": [');
  });
  const admin = client(address, { timeoutMs: 300 });
  t.teardown(() => admin.close());
  await t.rejects(admin.configDump(), { code: 'ED_ADMIN_TIMEOUT', message: /\/config_dump: the answer paused for more than 300 ms after 13 bytes/ });
});

t.test('a drip slower than the minimum rate times out, however steady', async (t) => {
  // a byte every 50 ms never pauses for the timeout, but would take hours for a dump
  const address = await serve(t, (_req, res) => trickle(res, `{"configs": [${'"x",'.repeat(1000)}"x"]}`, 4000, 50));
  const admin = client(address, { timeoutMs: 500 });
  t.teardown(() => admin.close());
  await t.rejects(admin.configDump(), { code: 'ED_ADMIN_TIMEOUT', message: /bytes in \d+ ms, slower than 1048576 bytes\/s/ });
});

t.test('an answer that was large last time may take longer to start', async (t) => {
  const large = JSON.stringify({ configs: ['x'.repeat(4 * 1024 * 1024)] });
  let dumps = 0;
  const address = await serve(t, (req, res) => {
    // The second dump starts after 1.5 s: a large dump is rendered in full before its first byte.
    const delay = req.url?.startsWith('/config_dump') ? (dumps++ === 0 ? 0 : 1500) : 1500;
    setTimeout(() => !res.destroyed && res.writeHead(200).end(req.url?.startsWith('/config_dump') ? large : '{}'), delay);
  });
  const admin = client(address, { timeoutMs: 1000 });
  t.teardown(() => admin.close());
  t.ok(await admin.configDump(), 'the first dump, at once');
  t.ok(await admin.configDump(), 'the second, 1.5 s late: 4 MiB last time allows 1 s + 4 s');
  await t.rejects(admin.runtime(), { code: 'ED_ADMIN_TIMEOUT', message: /\/runtime: no answer within 1000 ms/ }, 'a path of unknown size waits one timeout');
});

t.test('a start that timed out is waited for twice as long next time', async (t) => {
  const address = await serve(t, (_req, res) => void setTimeout(() => !res.destroyed && res.writeHead(200).end('{}'), 1500));
  const admin = client(address, { timeoutMs: 1000 });
  t.teardown(() => admin.close());
  await t.rejects(admin.serverInfo(), { code: 'ED_ADMIN_TIMEOUT', message: /no answer within 1000 ms/ });
  t.same(await admin.serverInfo(), {}, 'the retry waits 2 s');
});

t.test('the first answer may get a longer start of its own', async (t) => {
  const address = await serve(t, (_req, res) => void setTimeout(() => !res.destroyed && res.writeHead(200).end('{}'), 1500));
  const admin = client(address, { timeoutMs: 1000, firstStartTimeoutMs: 4000 });
  t.teardown(() => admin.close());
  t.same(await admin.serverInfo(), {});
});
