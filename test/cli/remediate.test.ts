import t from 'tap';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProposalBook, type Proposal } from '../../src/remediation/proposals.js';
import { cli } from '../helpers/cli.js';

/*
 * `remediate` against a stand-in for the agent's endpoint, answering as the
 * agent does: 200 with the proposal, 404 for an unknown id, 409 for one
 * already decided, 401 without the right token.
 */
const TOKEN = 'agent-token-123';
const book = new ProposalBook(() => new Date('2026-01-01T00:00:00Z'));
const pending = () => book.create({ service: 'payments', mode: 'approve', findings: [{ key: 'cluster/payments', kind: 'modified', severity: 'high' }], fingerprint: 'x', dryRun: false, state: 'pending', detail: 'waiting', ttlSeconds: 600 });
const requests: Array<{ method: string; url: string; body: string }> = [];

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method ?? '', url: req.url ?? '', body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: 'unauthorized' });
    if (req.method === 'GET' && req.url === '/v1/remediations') return send(200, book.list());
    const match = /^\/v1\/remediations\/([^/]+)\/(approve|reject)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return send(404, { error: 'not found' });
    const by = (JSON.parse(body || '{}') as { by?: string }).by ?? 'unknown';
    const decided = book.decide(decodeURIComponent(match[1]!), match[2] === 'approve' ? 'approved' : 'rejected', by);
    if (!decided.ok) return send(decided.error.code === 'ED_PROPOSAL_NOT_FOUND' ? 404 : 409, { error: decided.error.message });
    return send(200, decided.value);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const agent = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const dir = await mkdtemp(join(tmpdir(), 'envoy-drift-token-'));
const tokenFile = join(dir, 'token');
await writeFile(tokenFile, `${TOKEN}\n`);
t.teardown(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

t.test('approve: the proposal is approved by the named person', async (t) => {
  const proposal = pending();
  const run = await cli(['remediate', 'approve', proposal.id, '--agent', agent, '--token-file', tokenFile, '--by', 'alice']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`^approved ${proposal.id}  approved  approve  payments  cluster/payments`));
  t.equal(book.get(proposal.id)?.state, 'approved');
  t.equal(book.get(proposal.id)?.history.at(-1)?.by, 'alice');
  t.match(requests.at(-1), { method: 'POST', url: `/v1/remediations/${proposal.id}/approve` });
});

t.test('reject, with the token from the environment and the user from $USER', async (t) => {
  const proposal = pending();
  const run = await cli(['remediate', 'reject', proposal.id, '--agent', agent], { ENVOY_DRIFT_AGENT_TOKEN: TOKEN, USER: 'bob' });
  t.equal(run.code, 0, run.stderr);
  t.equal(book.get(proposal.id)?.state, 'rejected');
  t.equal(book.get(proposal.id)?.history.at(-1)?.by, 'bob');
});

t.test('list: text and json', async (t) => {
  const text = await cli(['remediate', 'list', '--agent', agent, '--token-file', tokenFile]);
  t.equal(text.code, 0);
  t.equal(text.stdout.trim().split('\n').length, book.list().length);
  t.match(text.stdout, /rem-[0-9a-f]{8}  rejected  approve  payments/);
  const json = await cli(['remediate', 'list', '--agent', agent, '--token-file', tokenFile, '--format', 'json']);
  t.same((JSON.parse(json.stdout) as Proposal[]).map((p) => p.id), book.list().map((p) => p.id));
});

t.test('errors are one line with a stable exit code', async (t) => {
  const proposal = pending();
  const noToken = await cli(['remediate', 'approve', proposal.id, '--agent', agent]);
  t.equal(noToken.code, 2);
  t.match(noToken.stderr, /^envoy-drift remediate: agent http:\/\/127\.0\.0\.1:\d+: HTTP 401, the token was refused/);
  t.equal(book.get(proposal.id)?.state, 'pending', 'nothing was decided without the token');
  const unknown = await cli(['remediate', 'approve', 'rem-00000000', '--agent', agent, '--token-file', tokenFile]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /remediation rem-00000000: no such proposal/);
  await cli(['remediate', 'approve', proposal.id, '--agent', agent, '--token-file', tokenFile]);
  const twice = await cli(['remediate', 'reject', proposal.id, '--agent', agent, '--token-file', tokenFile]);
  t.equal(twice.code, 2);
  t.match(twice.stderr, /is approved, only a pending proposal can be rejected/);
  const usage = await cli(['remediate', 'approve', '--agent', agent]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /expects exactly one remediation id/);
  const badAction = await cli(['remediate', 'undo', 'x', '--agent', agent]);
  t.match(badAction.stderr, /expected approve, reject or list, not "undo"/);
  const noAgent = await cli(['remediate', 'list']);
  t.match(noAgent.stderr, /--agent is required/);
  const missingFile = await cli(['remediate', 'list', '--agent', agent, '--token-file', join(dir, 'nope')]);
  t.match(missingFile.stderr, /nope: cannot read the token \(ENOENT\)/);
});

t.test('an agent that is not there: unreachable, naming it', async (t) => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
  const run = await cli(['remediate', 'list', '--agent', dead, '--token-file', tokenFile]);
  t.equal(run.code, 2);
  t.match(run.stderr, `agent ${dead}: unreachable (ECONNREFUSED)`);
});
