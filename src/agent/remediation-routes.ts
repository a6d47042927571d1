import type { IncomingMessage } from 'node:http';
import type { Remediator } from '../remediation/remediator.js';
import { DriftError, ErrorCodes, fail } from '../errors.js';
import type { ExtraRoute } from './agent-server.js';

const MAX_BODY = 64 * 1024;

async function readBy(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += (chunk as Buffer).toString();
    if (text.length > MAX_BODY) break;
  }
  try {
    const body = text ? (JSON.parse(text) as { by?: unknown }) : {};
    return typeof body.by === 'string' && body.by !== '' ? body.by.slice(0, 200) : 'api';
  } catch {
    return 'api';
  }
}

/**
 * The remediation proposals on the agent's endpoint: listed openly, decided
 * with the token. An approval asks for a check at once (`afterDecision`),
 * since the remediator applies approved proposals after a check. Before any
 * remediator is loaded (an observing agent) there is nothing to list.
 */
export function remediationRoutes(remediatorOf: () => Remediator | undefined, afterDecision: () => void): ExtraRoute[] {
  const decide = (action: 'approve' | 'reject'): ExtraRoute => ({
    method: 'POST',
    pattern: new RegExp(`^/v1/remediations/([^/]+)/${action}$`),
    mutating: true,
    async handle(match, request) {
      const id = decodeURIComponent(match[1]!);
      const by = await readBy(request);
      const remediator = remediatorOf();
      // No remediator loaded: nothing was ever proposed.
      const result = !remediator ? fail(new DriftError(ErrorCodes.PROPOSAL_NOT_FOUND, `remediation ${id}: no such proposal`)) : action === 'approve' ? remediator.approve(id, by) : remediator.reject(id, by);
      if (result.ok) {
        afterDecision();
        return { status: 200, body: result.value };
      }
      const status = result.error.code === ErrorCodes.PROPOSAL_NOT_FOUND ? 404 : result.error.code === ErrorCodes.PROPOSAL_NOT_PENDING ? 409 : 400;
      return { status, body: { error: result.error.code, message: result.error.message } };
    },
  });
  return [
    { method: 'GET', pattern: /^\/v1\/remediations$/, mutating: false, handle: async () => ({ status: 200, body: { remediations: remediatorOf()?.proposals() ?? [] } }) },
    decide('approve'),
    decide('reject'),
  ];
}
