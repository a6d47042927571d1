import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { EventStream, getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { startEnvoy } from '../helpers/envoy.js';
import { httpServer } from '../helpers/http-server.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A real Envoy behind a pass-through proxy that can spoil /config_dump alone
 * (cut short, garbage, `{}`, 500) while /stats keeps answering: one state,
 * reported once with backoff, a readiness reason and a metric; recovered once.
 */

type Mode = 'pass' | 'truncated' | 'garbage' | 'empty' | 'error';

t.test('an admin that answers but whose dump is unusable: one state, reported once, with backoff', async (t) => {
  const dir = workdir(t, 'envoy-drift-dump-');
  const envoy = await startEnvoy({ config: gatewayBootstrap() });
  t.teardown(() => envoy.stop());
  let mode: Mode = 'pass';
  const proxy = await httpServer(t, (req, res) => {
    void (async () => {
      const upstream = await request(`${envoy.admin}${req.url}`, { method: req.method as 'GET' | 'POST' });
      const body = Buffer.from(await upstream.body.arrayBuffer());
      if (!req.url?.startsWith('/config_dump') || mode === 'pass') {
        res.writeHead(upstream.statusCode, { 'content-type': String(upstream.headers['content-type'] ?? 'text/plain') }).end(body);
        return;
      }
      if (mode === 'error') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('\u0000\u0001garbage{{{');
      if (mode === 'empty') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      // cut short: the headers promise the whole body, half of it comes
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      res.destroy();
    })().catch(() => res.destroy());
  });
  const admin = proxy.origin;

  const declared = join(dir, 'declared.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  const agent = await startAgent(['--admin', admin, '--declared', declared, '--data-dir', join(dir, 'data'), '--interval', '200ms', '--max-backoff', '2s', '--full-check-interval', '1s']);
  t.teardown(() => agent.stop());
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'ready', 30_000);
  const events = await EventStream.open(agent.endpoint);
  t.teardown(() => events.close());

  for (const spoiled of ['truncated', 'garbage', 'empty', 'error'] as const) {
    mode = spoiled;
    const before = (await getJson<{ agent: { consecutiveFailures: number } }>(`${agent.endpoint}/v1/status`)).body.agent.consecutiveFailures;
    // Three more failed dumps in this mode, and the agent waiting longer than its interval between them.
    const status = await eventually(async () => {
      const body = (await getJson<{ agent: { consecutiveFailures: number; nextDelayMs: number; intervalMs: number } }>(`${agent.endpoint}/v1/status`)).body;
      return body.agent.consecutiveFailures >= before + 3 ? body : undefined;
    }, `three failed dumps (${spoiled})`, 30_000);
    t.ok(status.agent.nextDelayMs > status.agent.intervalMs, `${spoiled}: backing off (${status.agent.nextDelayMs} ms)`);
    const ready = await getJson<string>(`${agent.endpoint}/readyz`);
    t.equal(ready.status, 503, `${spoiled}: not ready`);
    t.match(ready.body, /config dump is unusable/);
  }
  t.match((await getJson<string>(`${agent.endpoint}/metrics`)).body, /envoydrift_proxy_config_dump_usable 0/);
  const types = events.events.map((e) => e.type);
  t.equal(types.filter((x) => x === 'proxy.dump_unusable').length, 1, 'reported once for the whole episode');
  t.equal(types.filter((x) => x === 'proxy.unreachable' || x === 'proxy.recovered').length, 0, 'no unreachable/recovered flapping');

  mode = 'pass';
  const recovered = await events.next((e) => e.type === 'proxy.recovered', 30_000);
  t.match(recovered.message, /config dump is usable again/);
  await eventually(async () => ((await getJson(`${agent.endpoint}/readyz`)).status === 200 ? true : undefined), 'ready again', 30_000);
  t.match((await getJson<string>(`${agent.endpoint}/metrics`)).body, /envoydrift_proxy_config_dump_usable 1/);
});
