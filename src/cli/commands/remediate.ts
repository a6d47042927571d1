import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { transportFailure } from '../../common/http-failure.js';
import { DriftError, ErrorCodes } from '../../errors.js';
import type { Proposal } from '../../remediation/proposals.js';
import { agentAnswerError } from '../agent-answer.js';
import { ExitCode, parseCommandArgs, requireOption, type CliIo, type Command } from '../command.js';
import { parseFormat } from '../shared.js';

const TOKEN_ENV = 'ENVOY_DRIFT_AGENT_TOKEN';
const TIMEOUT_MS = 10_000;

const usage = `
Usage: envoy-drift remediate approve <id> --agent <url> [--token-file <file>] [--by <name>]
       envoy-drift remediate reject <id> --agent <url> [--token-file <file>] [--by <name>]
       envoy-drift remediate list --agent <url> [--token-file <file>] [--format text|json]

Approves or rejects a remediation a running agent proposed (services in
approve mode), or lists the agent's remediations. The agent's token is read
from --token-file, else from ${TOKEN_ENV}. --by names who decided, for the
audit journal (default: $USER).
`;

async function token(file: string | undefined, io: CliIo): Promise<string | undefined> {
  if (file === undefined) return io.env[TOKEN_ENV] || undefined;
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new DriftError(ErrorCodes.FILE_UNREADABLE, `${file}: cannot read the token (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/** One call to the agent's remediation endpoint; any answer but 200 is one error naming the agent, with the agent's code and message. */
async function callAgent(agent: string, method: 'GET' | 'POST', path: string, bearer: string | undefined, body?: unknown): Promise<unknown> {
  const url = new URL(path, agent.endsWith('/') ? agent : `${agent}/`).toString();
  let response;
  try {
    response = await request(url, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const failure = transportFailure(error);
    const reason = failure.kind === 'unreachable' ? `unreachable (${failure.reason})` : `no answer within ${TIMEOUT_MS} ms`;
    throw new DriftError(ErrorCodes.AGENT_HTTP, `agent ${agent}: ${reason}`, { cause: error });
  }
  const text = await response.body.text();
  if (response.statusCode !== 200) throw agentAnswerError(agent, response.statusCode, text, `--token-file or ${TOKEN_ENV}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DriftError(ErrorCodes.AGENT_HTTP, `agent ${url}: expected JSON`, { cause: error });
  }
}

function line(p: Proposal): string {
  return `${p.id}  ${p.state.padEnd(8)}  ${p.mode.padEnd(7)}  ${p.service}  ${p.findings.map((f) => f.key).join(', ')}${p.dryRun ? '  (dry run)' : ''}`;
}

export const remediateCommand: Command = {
  name: 'remediate',
  summary: "approve, reject or list a running agent's remediations",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('remediate', argv, {
      agent: { type: 'string' },
      'token-file': { type: 'string' },
      by: { type: 'string' },
      format: { type: 'string' },
    }, true);
    const [action, id, ...extra] = positionals;
    const agent = requireOption('remediate', values['agent'] as string | undefined, '--agent');
    const bearer = await token(values['token-file'] as string | undefined, io);
    if (action === 'list') {
      if (id !== undefined) throw new DriftError(ErrorCodes.USAGE, `list: unexpected argument "${id}" (see envoy-drift remediate --help)`);
      const format = parseFormat('remediate', values['format'] as string | undefined, ['text', 'json']);
      const answer = await callAgent(agent, 'GET', 'v1/remediations', bearer);
      const proposals = (answer as { remediations: Proposal[] }).remediations;
      if (!Array.isArray(proposals)) throw new DriftError(ErrorCodes.AGENT_HTTP, `agent ${agent}: expected { remediations: [...] } from v1/remediations`);
      if (format === 'json') io.stdout.write(`${JSON.stringify(proposals, null, 2)}\n`);
      else io.stdout.write(proposals.length === 0 ? 'no remediations\n' : `${proposals.map(line).join('\n')}\n`);
      return ExitCode.IN_SYNC;
    }
    if (action !== 'approve' && action !== 'reject') {
      throw new DriftError(ErrorCodes.USAGE, `expected approve, reject or list${action ? `, not "${action}"` : ''} (see envoy-drift remediate --help)`);
    }
    if (id === undefined || extra.length > 0) throw new DriftError(ErrorCodes.USAGE, `${action}: expects exactly one remediation id (see envoy-drift remediate --help)`);
    const by = (values['by'] as string | undefined) ?? io.env['USER'] ?? 'cli';
    const proposal = (await callAgent(agent, 'POST', `v1/remediations/${encodeURIComponent(id)}/${action}`, bearer, { by })) as Proposal;
    io.stdout.write(`${action === 'approve' ? 'approved' : 'rejected'} ${line(proposal)}\n`);
    return ExitCode.IN_SYNC;
  },
};
