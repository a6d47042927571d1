import t from 'tap';
import { join } from 'node:path';
import type { Proposal } from '../../src/remediation/proposals.js';
import { AGENT_TOKEN, agentBesideEnvoy } from '../helpers/agent-beside-envoy.js';
import { cli } from '../helpers/cli.js';
import { adminPost } from '../helpers/envoy.js';
import { freePort } from '../helpers/ports.js';

/*
 * `remediate` against a real agent beside a real Envoy, in approve mode: a
 * hand-made runtime override makes a proposal, which the command lists,
 * approves and rejects through the agent's own routes. Errors are the
 * agent's `{ error: code, message }`, printed as one line.
 */

const { dir, tokenFile, envoy, agent, events } = await agentBesideEnvoy(t, { remediation: 'approve' });

async function propose(key: string): Promise<string> {
  const before = new Set(events.events.map((e) => e.id));
  await adminPost(envoy.admin, `/runtime_modify?${key}=false`);
  const proposed = await events.next((e) => e.type === 'remediation.proposed' && !before.has(e.id));
  return /remediation (\S+?)[,\]]/.exec(proposed.message)![1]!;
}

async function listed(): Promise<Proposal[]> {
  const run = await cli(['remediate', 'list', '--agent', agent.endpoint, '--format', 'json']);
  return JSON.parse(run.stdout) as Proposal[];
}

const first = await propose('payments.feature_x.enabled');

t.test('list: text and json', async (t) => {
  const text = await cli(['remediate', 'list', '--agent', agent.endpoint]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, new RegExp(`^${first}  pending   approve  _proxy  `));
  t.match(await listed(), [{ id: first, service: '_proxy', state: 'pending' }]);
});

t.test('errors are one line with the agent code and a stable exit code', async (t) => {
  const noToken = await cli(['remediate', 'approve', first, '--agent', agent.endpoint]);
  t.equal(noToken.code, 2);
  t.equal(noToken.stderr, `envoy-drift remediate: agent ${agent.endpoint}: HTTP 401 ED_AGENT_UNAUTHORIZED: missing or wrong bearer token (--token-file or ENVOY_DRIFT_AGENT_TOKEN)\n`);
  t.match(await listed(), [{ id: first, state: 'pending' }], 'nothing was decided without the token');
  const unknown = await cli(['remediate', 'approve', 'rem-00000000', '--agent', agent.endpoint, '--token-file', tokenFile]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /HTTP 404 ED_PROPOSAL_NOT_FOUND: remediation rem-00000000: no such proposal\n$/);
  const usage = await cli(['remediate', 'approve', '--agent', agent.endpoint]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /expects exactly one remediation id/);
  const badAction = await cli(['remediate', 'undo', 'x', '--agent', agent.endpoint]);
  t.match(badAction.stderr, /expected approve, reject or list, not "undo"/);
  const noAgent = await cli(['remediate', 'list']);
  t.match(noAgent.stderr, /--agent is required/);
  const missingFile = await cli(['remediate', 'list', '--agent', agent.endpoint, '--token-file', join(dir, 'nope')]);
  t.match(missingFile.stderr, /nope: cannot read the token \(ENOENT\)/);
});

t.test('approve by the named person, then a second decision is refused', async (t) => {
  const run = await cli(['remediate', 'approve', first, '--agent', agent.endpoint, '--token-file', tokenFile, '--by', 'alice']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`^approved ${first}  approved  approve  _proxy  `));
  t.match((await listed()).find((p) => p.id === first)?.history.find((s) => s.state === 'approved'), { by: 'alice' });
  await events.next((e) => e.type === 'remediation.applied');
  const twice = await cli(['remediate', 'reject', first, '--agent', agent.endpoint, '--token-file', tokenFile]);
  t.equal(twice.code, 2);
  t.match(twice.stderr, new RegExp(`HTTP 409 ED_PROPOSAL_NOT_PENDING: remediation ${first}: is \\w+, only a pending proposal can be rejected\\n$`));
});

t.test('reject, with the token from the environment and the user from $USER', async (t) => {
  await events.next((e) => e.type === 'drift.resolved');
  const second = await propose('payments.feature_y.enabled');
  const run = await cli(['remediate', 'reject', second, '--agent', agent.endpoint], { ENVOY_DRIFT_AGENT_TOKEN: AGENT_TOKEN, USER: 'bob' });
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, new RegExp(`^rejected ${second}  rejected  approve  _proxy  `));
  t.match((await listed()).find((p) => p.id === second), { state: 'rejected', history: [{}, { state: 'rejected', by: 'bob' }] });
});

t.test('an agent that is not there: unreachable, naming it', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const run = await cli(['remediate', 'list', '--agent', dead, '--token-file', tokenFile]);
  t.equal(run.code, 2);
  t.match(run.stderr, `agent ${dead}: unreachable (ECONNREFUSED)`);
});
