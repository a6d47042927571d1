import t from 'tap';
import { agentAnswerError, agentErrorBody } from '../../src/cli/agent-answer.js';
import { checkThroughAgent } from '../../src/cli/agent-check.js';
import { ErrorCodes } from '../../src/errors.js';
import { httpServer } from '../helpers/http-server.js';

/*
 * The agent's error answer `{ error: <code>, message }`, read the same way by
 * `check --agent` and `remediate`; `check --agent` against a real HTTP server
 * answering as the agent does.
 */

t.test('the body is read only when it is the agent error shape', async (t) => {
  t.same(agentErrorBody(JSON.stringify({ error: 'ED_AGENT_FORBIDDEN', message: 'mutating routes are disabled\nsecond line' })), { error: 'ED_AGENT_FORBIDDEN', message: 'mutating routes are disabled' });
  t.equal(agentErrorBody(JSON.stringify({ error: 'not a code', message: 'x' })), undefined);
  t.equal(agentErrorBody(JSON.stringify({ error: 'ED_AGENT_FORBIDDEN' })), undefined);
  t.equal(agentErrorBody('<html>bad gateway</html>'), undefined);
});

t.test('one error line: the agent code and message, the token hint on a refusal', async (t) => {
  const refused = agentAnswerError('http://a:1', 401, JSON.stringify({ error: 'ED_AGENT_UNAUTHORIZED', message: 'missing or wrong bearer token' }), '--token-file');
  t.equal(refused.code, ErrorCodes.AGENT_UNAUTHORIZED);
  t.equal(refused.message, 'agent http://a:1: HTTP 401 ED_AGENT_UNAUTHORIZED: missing or wrong bearer token (--token-file)');
  const busy = agentAnswerError('http://a:1', 503, JSON.stringify({ error: 'ED_AGENT_HTTP', message: 'a check is already running' }), '--token-file');
  t.equal(busy.code, ErrorCodes.AGENT_HTTP);
  t.equal(busy.message, 'agent http://a:1: HTTP 503 ED_AGENT_HTTP: a check is already running');
  const proxied = agentAnswerError('http://a:1', 403, 'Forbidden', '--token-file');
  t.equal(proxied.code, ErrorCodes.AGENT_UNAUTHORIZED, 'a 401/403 without the agent body is still a refused token');
  t.equal(proxied.message, 'agent http://a:1: HTTP 403, the token was refused (--token-file)');
  const other = agentAnswerError('http://a:1', 502, 'Bad Gateway', '--token-file');
  t.equal(other.code, ErrorCodes.AGENT_HTTP);
  t.equal(other.message, 'agent http://a:1: HTTP 502');
});

t.test('check --agent carries the agent code: forbidden is not unauthorized', async (t) => {
  const agent = await httpServer(t, (_request, response) => {
    response.writeHead(403, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: ErrorCodes.AGENT_FORBIDDEN, message: 'mutating routes are disabled: start the agent with --token-file' }));
  });
  await t.rejects(checkThroughAgent(agent.origin, 'token', 10_000), {
    code: ErrorCodes.AGENT_FORBIDDEN,
    message: `agent ${agent.origin} POST /v1/check: HTTP 403 ED_AGENT_FORBIDDEN: mutating routes are disabled: start the agent with --token-file (--token-file)`,
  });
});
