import t from 'tap';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { eventually, getJson, startAgent } from '../helpers/agent.js';

/*
 * A proxy whose stats answer but whose config dump keeps failing (here an
 * HTML error page from something in front of the admin API, which no real
 * Envoy can be made to serve): the agent retries the check, backing off,
 * and says why it is not ready.
 */
t.test('a config dump that keeps failing is retried with backoff, not every interval', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-backoff-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let dumps = 0;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/stats') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"stats":[{"name":"server.state","value":0}]}');
    if (path === '/config_dump') dumps++;
    response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const admin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'declared.yaml'), stringify(gatewayBootstrap()));
  const agent = await startAgent(['--admin', admin, '--declared', join(dir, 'declared.yaml'), '--data-dir', join(dir, 'data'), '--interval', '100ms', '--max-backoff', '1s']);
  t.teardown(() => agent.stop());

  const status = await eventually(async () => {
    const answer = await getJson<{ proxy: { lastError?: string } }>(`${agent.endpoint}/v1/status`);
    return answer.body.proxy.lastError ? answer.body : undefined;
  }, 'the first failed check');
  t.match(status.proxy.lastError, /\/config_dump: expected JSON, got an HTML page/);
  const readiness = await getJson(`${agent.endpoint}/readyz`);
  t.equal(readiness.status, 503);
  const before = dumps;
  // A window to count requests in: without backoff, about 30 checks at 100 ms.
  await new Promise((r) => setTimeout(r, 3000));
  const during = dumps - before;
  t.ok(during >= 1, 'the check is retried');
  t.ok(during <= 8, `config dumps requested in 3 s: ${during}`);
});
