import type { Agent } from 'undici';
import { signatureHeaders } from '../common/webhook-signature.js';
import { webhookUrlProblem } from '../common/webhook-url.js';
import { formatObject, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import { createAgent, httpRequest, readCredential } from './http-client.js';
import type { WebhookSinkConfig } from './sink-config.js';
import { ErrorCodes, SinkError, statusError } from './sink-error.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

/** `{"events":[…]}` and its signature headers (src/common/webhook-signature.ts). */
export function buildWebhookRequest(records: readonly JournalRecord[], format: FormatName, secret: string, now: number = Date.now()): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ events: records.map((record) => formatObject(format, record)) });
  return { body, headers: { 'content-type': 'application/json', ...signatureHeaders(secret, body, now) } };
}

/** A generic HTTPS webhook; plain http only to loopback. 2xx delivers; 408, 429 and 5xx retry; other answers raise the alarm. */
export class WebhookSink implements Sink {
  readonly type = 'webhook';
  readonly name: string;
  readonly #config: WebhookSinkConfig;
  readonly #agent: Agent;

  constructor(config: WebhookSinkConfig) {
    const problem = webhookUrlProblem(config.url);
    if (problem) throw new SinkError(ErrorCodes.SINK_CONFIG, problem, { retryable: false });
    this.name = config.name;
    this.#config = config;
    this.#agent = createAgent({ caFile: config.caFile, timeoutMs: config.timeoutMs });
  }

  async send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome> {
    const { body, headers } = buildWebhookRequest(records, this.#config.format ?? 'ocsf', readCredential(this.#config.secretFile, 'webhook secret'));
    const response = await httpRequest(this.#agent, this.#config.url, { method: 'POST', headers, body, signal });
    if (response.status >= 200 && response.status < 300) return DELIVERED;
    throw statusError(`${this.#config.url}: HTTP ${response.status}: ${response.body.slice(0, 200)}`, response);
  }

  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
