import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { getJson, startAgent } from '../helpers/agent.js';
import { eventually } from '../helpers/eventually.js';
import { httpServer } from '../helpers/http-server.js';
import { workdir } from '../helpers/workdir.js';

/*
 * A proxy whose stats answer but whose config dump keeps failing (here an
 * HTML error page from something in front of the admin API, which no real
 * Envoy can be made to serve): the agent retries the check, backing off,
 * and says why it is not ready.
 */
t.test('a config dump that keeps failing is retried with backoff, not every interval', async (t) => {
  const dir = workdir(t, 'envoy-drift-backoff-');
  let dumps = 0;
  const server = await httpServer(t, (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/stats') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"stats":[{"name":"server.state","value":0}]}');
    if (path === '/config_dump') dumps++;
    response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
  });
  const admin = server.origin;
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
  // Backing off shows in the agent's own schedule: wait for it, then check what it cost the proxy.
  const failuresOf = async () => (await getJson<{ agent: { consecutiveFailures: number; nextDelayMs: number } }>(`${agent.endpoint}/v1/status`)).body.agent;
  const first = await failuresOf();
  const backedOff = await eventually(async () => {
    const state = await failuresOf();
    return state.consecutiveFailures >= first.consecutiveFailures + 3 ? state : undefined;
  }, 'three more failed checks');
  // Jittered between half and all of the base delay, 100 ms doubled per failure, capped at 1 s.
  const base = Math.min(1000, 100 * 2 ** backedOff.consecutiveFailures);
  t.ok(backedOff.nextDelayMs >= base / 2 && backedOff.nextDelayMs <= base, `next check in ${backedOff.nextDelayMs} ms after ${backedOff.consecutiveFailures} failures`);
  t.ok(dumps >= backedOff.consecutiveFailures, 'each failure was a real attempt');
  t.ok(dumps <= backedOff.consecutiveFailures + 2, `one dump request per failed check, not one per interval: ${dumps}`);
});
