import t from 'tap';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatewayBootstrap } from '../../fixtures/gateway-bootstrap.js';
import { adminPost, startEnvoy } from '../../helpers/envoy.js';
import { parseRemediationConfig } from '../../../src/remediation/remediation-config.js';
import { declare, harness } from './harness.js';
import { httpServer } from '../../helpers/http-server.js';
import { freePort } from '../../helpers/ports.js';
import { workdir } from '../../helpers/workdir.js';

/*
 * Control-plane managed config: the agent asks the config's owner to
 * re-apply through a webhook, then the next check verifies. The owner here
 * is a small HTTP server that records the call and, when told to, puts the
 * proxy back the way a GitOps sync would.
 */
interface Call { readonly headers: IncomingHttpHeaders; readonly body: string }

const calls: Call[] = [];
let answer = 200;
let reapply = true;
const server = await httpServer(t, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const done = reapply && answer === 200 ? adminPost(envoy.admin, '/runtime_modify?rogue.key') : Promise.resolve('');
    void done.then(() => {
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
});
const url = `${server.origin}/reapply`;

const envoy = await startEnvoy({ config: gatewayBootstrap() });
const { declared } = await declare(t, { 'envoy.yaml': gatewayBootstrap() });
const secrets = workdir(t, 'envoy-drift-secret-');
const secretFile = join(secrets, 'webhook-secret');
await writeFile(secretFile, 's3cret\n');
t.teardown(() => envoy.stop());

t.beforeEach(async () => {
  calls.length = 0;
  answer = 200;
  reapply = true;
  await adminPost(envoy.admin, '/runtime_modify?rogue.key=1');
});

t.test('the owner is asked, signs match, and the next check verifies', async (t) => {
  const h = harness({ admin: envoy.admin, declared, config: { mechanism: 'webhook', webhook: { url, secretFile, timeoutMs: 5000 } } });
  t.teardown(() => h.close());
  await h.remediator.handle(await h.check());
  t.equal(calls.length, 1, 'one call');
  const call = calls[0]!;
  const timestamp = String(call.headers['x-envoy-drift-timestamp']);
  t.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60, 'the time of sending, in unix seconds');
  const expected = `sha256=${createHmac('sha256', 's3cret').update(`${timestamp}.${call.body}`).digest('hex')}`;
  t.equal(call.headers['x-envoy-drift-signature'], expected, 'signed as the webhook sink signs: HMAC-SHA256 of "<timestamp>.<body>" with the secret file (trailing newline trimmed)');
  const body = JSON.parse(call.body) as Record<string, unknown>;
  t.match(body, { type: 'envoy-drift.remediation.request', service: '_proxy', findings: [{ key: 'runtime/rogue.key', kind: 'added' }] });
  t.equal(body['remediationId'], h.events[0]!.proposalId);
  t.same(h.types(), ['remediation.applied']);
  t.equal(h.events[0]!.mechanism, 'webhook');
  const after = await h.check();
  t.ok(after.report.inSync, 'the owner put the proxy back');
  h.remediator.verify(after);
  t.same(h.types(), ['remediation.applied', 'remediation.verified']);
});

t.test('an owner that answers but does not re-apply: verification fails', async (t) => {
  reapply = false;
  const h = harness({ admin: envoy.admin, declared, config: { mechanism: 'webhook', webhook: { url } } });
  t.teardown(() => h.close());
  await h.remediator.handle(await h.check());
  t.equal(calls[0]!.headers['x-envoy-drift-signature'], undefined, 'no signature without a secret');
  t.equal(calls[0]!.headers['x-envoy-drift-timestamp'], undefined);
  h.remediator.verify(await h.check());
  t.same(h.types(), ['remediation.applied', 'remediation.failed']);
  t.match(h.events[1]!.detail, /still drifted after the revert: runtime\/rogue\.key/);
  t.equal(h.remediator.proposals()[0]!.state, 'failed');
});

t.test('an owner that refuses: failed at once, nothing to verify', async (t) => {
  answer = 503;
  const h = harness({ admin: envoy.admin, declared, config: { mechanism: 'webhook', webhook: { url } } });
  t.teardown(() => h.close());
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.failed']);
  t.match(h.events[0]!.detail, /webhook http:\/\/127\.0\.0\.1:\d+\/reapply: HTTP 503/);
  h.remediator.verify(await h.check());
  t.equal(h.events.length, 1, 'a failed apply is not verified');
});

t.test('an owner that cannot be reached: failed, naming the address', async (t) => {
  const deadUrl = `http://127.0.0.1:${await freePort()}/`;
  const h = harness({ admin: envoy.admin, declared, config: { mechanism: 'webhook', webhook: { url: deadUrl, timeoutMs: 2000 } } });
  t.teardown(() => h.close());
  await h.remediator.handle(await h.check());
  t.same(h.types(), ['remediation.failed']);
  t.match(h.events[0]!.detail, deadUrl);
  await adminPost(envoy.admin, '/runtime_modify?rogue.key');
});

t.test('plain http only to loopback: another host is refused when the config is read', async (t) => {
  const refused = parseRemediationConfig({ mechanism: 'webhook', webhook: { url: 'http://ci.example.com/hooks/reapply' } }, 'agent.yaml');
  t.match(refused, { ok: false, error: { code: 'ED_REMEDIATION_CONFIG', message: 'agent.yaml: /remediationPolicy/webhook/url: http://ci.example.com/hooks/reapply: webhooks must use https (plain http only to loopback)' } });
  t.ok(parseRemediationConfig({ webhook: { url } }, 'agent.yaml').ok, 'loopback over http');
  t.ok(parseRemediationConfig({ webhook: { url: 'https://ci.example.com/hooks/reapply' } }, 'agent.yaml').ok);
});
