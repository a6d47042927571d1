import { createHmac } from 'node:crypto';
import type { Agent } from 'undici';
import { formatObject, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import { createAgent, httpRequest, readCredential } from './http-client.js';
import type { WebhookSinkConfig } from './sink-config.js';
import { ErrorCodes, retryAfterMs, SinkError } from './sink-error.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

export const SIGNATURE_HEADER = 'x-envoy-drift-signature';
export const TIMESTAMP_HEADER = 'x-envoy-drift-timestamp';

/** `{"events":[…]}` and its signature: HMAC-SHA256 over `<timestamp>.<body>`, as `sha256=<hex>`. */
export function buildWebhookRequest(records: readonly JournalRecord[], format: FormatName, secret: string, now: number = Date.now()): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ events: records.map((record) => formatObject(format, record)) });
  const timestamp = String(Math.floor(now / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: `sha256=${signWebhook(secret, timestamp, body)}`,
    },
  };
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
}

/** A generic HTTPS webhook; plain http only to loopback. 2xx delivers; 408, 429 and 5xx retry; other answers raise the alarm. */
export class WebhookSink implements Sink {
  readonly type = 'webhook';
  readonly name: string;
  readonly #config: WebhookSinkConfig;
  readonly #agent: Agent;

  constructor(config: WebhookSinkConfig) {
    const url = new URL(config.url);
    if (url.protocol !== 'https:' && !isLoopback(url)) throw new SinkError(ErrorCodes.SINK_CONFIG, `${config.url}: webhooks must use https (plain http only to loopback)`, { retryable: false });
    this.name = config.name;
    this.#config = config;
    this.#agent = createAgent({ caFile: config.caFile, timeoutMs: config.timeoutMs });
  }

  async send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome> {
    const { body, headers } = buildWebhookRequest(records, this.#config.format ?? 'ocsf', readCredential(this.#config.secretFile, 'webhook secret'));
    const response = await httpRequest(this.#agent, this.#config.url, { method: 'POST', headers, body, signal });
    if (response.status >= 200 && response.status < 300) return DELIVERED;
    const message = `${this.#config.url}: HTTP ${response.status}: ${response.body.slice(0, 200)}`;
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new SinkError(retryable ? ErrorCodes.SINK_RETRYABLE_STATUS : ErrorCodes.SINK_MISCONFIGURED, message, { retryable, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  }

  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
