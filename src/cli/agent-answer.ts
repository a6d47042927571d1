import { DriftError, ErrorCodes, type ErrorCode } from '../errors.js';

/*
 * What the CLI makes of an agent's answer other than 200 (`check --agent`,
 * `remediate`): the agent answers `{ "error": <code from errors.ts>,
 * "message": <one line> }`, and the CLI's error carries that code and line.
 */

export interface AgentErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/** The agent's error answer, or undefined when the body is not one. */
export function agentErrorBody(text: string): AgentErrorBody | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error !== 'string' || !KNOWN_CODES.has(body.error) || typeof body.message !== 'string') return undefined;
    return { error: body.error as ErrorCode, message: body.message.split('\n')[0]!.slice(0, 300) };
  } catch {
    return undefined;
  }
}

/**
 * One error line for an answer other than 200 from the agent at `where`; a
 * refused token names `tokenFrom`, where the command reads the token. A 401
 * or 403 without the agent's body (a proxy in between) is still a refused token.
 */
export function agentAnswerError(where: string, statusCode: number, text: string, tokenFrom: string): DriftError {
  const body = agentErrorBody(text);
  const refused = body ? body.error === ErrorCodes.AGENT_UNAUTHORIZED || body.error === ErrorCodes.AGENT_FORBIDDEN : statusCode === 401 || statusCode === 403;
  const hint = refused ? ` (${tokenFrom})` : '';
  if (body) return new DriftError(body.error, `agent ${where}: HTTP ${statusCode} ${body.error}: ${body.message}${hint}`);
  if (refused) return new DriftError(ErrorCodes.AGENT_UNAUTHORIZED, `agent ${where}: HTTP ${statusCode}, the token was refused${hint}`);
  return new DriftError(ErrorCodes.AGENT_HTTP, `agent ${where}: HTTP ${statusCode}`);
}
