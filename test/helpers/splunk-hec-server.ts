import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpServer, type TestServer } from './http-server.js';

/**
 * A strict stand-in for Splunk's HTTP Event Collector, following the
 * documented protocol: `Authorization: Splunk <token>`, the status codes and
 * texts of the HEC error table, the channel rules for tokens with indexer
 * acknowledgement (X-Splunk-Request-Channel or ?channel=, a GUID), ackIds per
 * channel, and /services/collector/ack answering `{"acks":{"<id>":bool}}`.
 * Events count as indexed only once their ack turns true (or at once without
 * acknowledgement). Tests script busy answers and pending or lost acks.
 */
export interface HecToken {
  readonly ack: boolean;
  readonly disabled?: boolean;
}

type AckFate = { kind: 'after-polls'; polls: number } | { kind: 'lost' } | { kind: 'held' };

interface PendingAck {
  readonly events: unknown[];
  fate: AckFate;
  polls: number;
  done: boolean;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export class SplunkHecServer {
  readonly tokens = new Map<string, HecToken>();
  readonly indexed: Array<Record<string, unknown>> = [];
  readonly channels: Array<string | undefined> = [];
  readonly allowedIndexes = new Set(['main', 'security']);
  /** Events (by fields.event_id) refused as "Invalid data format", as HEC does for an event it cannot parse. */
  readonly malformedEventIds = new Set<string>();
  eventRequests = 0;
  ackPolls = 0;
  /** Answers for the next event requests, used up in order before normal handling. */
  readonly scripted: Array<{ status: number; code: number; text: string }> = [];
  /** What happens to the acks of the next event requests; `after-polls` 1 when empty. */
  readonly ackFates: AckFate[] = [];
  readonly #acks = new Map<string, Map<number, PendingAck>>();
  #server: TestServer | undefined;

  async start(): Promise<string> {
    this.#server = await startHttpServer((req, res) => void this.#handle(req, res));
    return this.#server.origin;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }

  /** Lets held acks turn true on their next poll. */
  releaseHeld(): void {
    for (const channel of this.#acks.values()) for (const ack of channel.values()) if (ack.fate.kind === 'held') ack.fate = { kind: 'after-polls', polls: 0 };
  }

  #reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://hec');
    if (url.pathname === '/services/collector/event') this.eventRequests++;
    if (req.method !== 'POST') return this.#reply(res, 405, { text: 'Method not allowed', code: 6 });
    const auth = req.headers.authorization;
    if (!auth) return this.#reply(res, 401, { text: 'Token is required', code: 2 });
    const match = /^Splunk (\S+)$/.exec(auth);
    if (!match) return this.#reply(res, 401, { text: 'Invalid authorization', code: 3 });
    const token = this.tokens.get(match[1] as string);
    if (!token) return this.#reply(res, 403, { text: 'Invalid token', code: 4 });
    if (token.disabled) return this.#reply(res, 403, { text: 'Token disabled', code: 1 });
    const channel = (req.headers['x-splunk-request-channel'] as string | undefined) ?? url.searchParams.get('channel') ?? undefined;
    if (url.pathname === '/services/collector/ack') return this.#handleAck(res, token, channel, body);
    if (url.pathname !== '/services/collector/event') return this.#reply(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    this.channels.push(channel);
    if (token.ack) {
      if (!channel) return this.#reply(res, 400, { text: 'Data channel is missing', code: 10 });
      if (!GUID.test(channel)) return this.#reply(res, 400, { text: 'Invalid data channel', code: 11 });
    }
    const scripted = this.scripted.shift();
    if (scripted) return this.#reply(res, scripted.status, { text: scripted.text, code: scripted.code });
    if (body.trim() === '') return this.#reply(res, 400, { text: 'No data', code: 5 });
    let events: Array<Record<string, unknown>>;
    try {
      events = parseConcatenated(body);
    } catch {
      return this.#reply(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 });
    }
    for (const [index, event] of events.entries()) {
      if (!('event' in event)) return this.#reply(res, 400, { text: 'Event field is required', code: 12, 'invalid-event-number': index });
      if (event.event === '' || event.event === null) return this.#reply(res, 400, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': index });
      if (this.malformedEventIds.has((event.fields as { event_id?: string } | undefined)?.event_id ?? '')) {
        return this.#reply(res, 400, { text: 'Invalid data format', code: 6, 'invalid-event-number': index });
      }
      if (typeof event.index === 'string' && !this.allowedIndexes.has(event.index)) return this.#reply(res, 400, { text: 'Incorrect index', code: 7, 'invalid-event-number': index });
    }
    if (!token.ack) {
      this.indexed.push(...events);
      return this.#reply(res, 200, { text: 'Success', code: 0 });
    }
    const acks = this.#acks.get(channel as string) ?? new Map<number, PendingAck>();
    this.#acks.set(channel as string, acks);
    const ackId = acks.size;
    acks.set(ackId, { events, fate: this.ackFates.shift() ?? { kind: 'after-polls', polls: 1 }, polls: 0, done: false });
    return this.#reply(res, 200, { text: 'Success', code: 0, ackId });
  }

  #handleAck(res: ServerResponse, token: HecToken, channel: string | undefined, body: string): void {
    if (!token.ack) return this.#reply(res, 400, { text: 'ACK is disabled', code: 14 });
    if (!channel) return this.#reply(res, 400, { text: 'Data channel is missing', code: 10 });
    if (!GUID.test(channel)) return this.#reply(res, 400, { text: 'Invalid data channel', code: 11 });
    let ids: unknown;
    try {
      ids = (JSON.parse(body) as { acks?: unknown }).acks;
    } catch {
      return this.#reply(res, 400, { text: 'Invalid data format', code: 6 });
    }
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) return this.#reply(res, 400, { text: 'Invalid data format', code: 6 });
    this.ackPolls++;
    const acks = this.#acks.get(channel) ?? new Map<number, PendingAck>();
    const answer: Record<string, boolean> = {};
    for (const id of ids as number[]) {
      const ack = acks.get(id);
      if (!ack) {
        answer[id] = false;
        continue;
      }
      ack.polls++;
      if (!ack.done && ack.fate.kind === 'after-polls' && ack.polls > ack.fate.polls) {
        ack.done = true;
        this.indexed.push(...(ack.events as Array<Record<string, unknown>>));
      }
      answer[id] = ack.done;
    }
    return this.#reply(res, 200, { acks: answer });
  }
}

function parseConcatenated(body: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) events.push(JSON.parse(body.slice(start, i + 1)) as Record<string, unknown>);
      if (depth < 0) throw new Error('unbalanced');
    } else if (depth === 0 && !/\s/.test(c as string)) throw new Error(`stray ${c}`);
  }
  if (depth !== 0 || inString) throw new Error('truncated');
  return events;
}
