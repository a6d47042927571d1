import type { Agent } from 'undici';
import { formatObject, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import { DeadLetterFile } from './dead-letter.js';
import { createAgent, httpRequest, readCredential } from './http-client.js';
import type { ElasticsearchSinkConfig } from './sink-config.js';
import { ErrorCodes, SinkError, statusError } from './sink-error.js';
import type { SendOutcome, Sink } from './sink.js';

/** The `_bulk` body: a `create` action with `_id` = event id, then the document, each line ending in a newline. */
export function buildBulkPayload(records: readonly JournalRecord[], index: string, format: FormatName): string {
  return records.map((record) => `${JSON.stringify({ create: { _index: index, _id: record.event.id } })}\n${JSON.stringify(formatObject(format, record))}\n`).join('');
}

interface BulkItem {
  readonly status: number;
  readonly error?: unknown;
}

/**
 * Elasticsearch / OpenSearch `_bulk`. `create` with the event id as `_id`
 * makes a re-sent batch harmless: 201 and 409 both mean the document is
 * there. An answer of 408, 429 or 5xx, or items answered 429 or 5xx, are
 * retried (the whole batch, which is idempotent); any other 4xx item goes to
 * the dead-letter file.
 */
export class ElasticsearchSink implements Sink {
  readonly type = 'elasticsearch';
  readonly name: string;
  readonly #config: ElasticsearchSinkConfig;
  readonly #agent: Agent;
  readonly #deadLetter: DeadLetterFile;
  readonly #url: string;

  constructor(config: ElasticsearchSinkConfig, dataDir: string) {
    this.name = config.name;
    this.#config = config;
    this.#agent = createAgent({ caFile: config.caFile, timeoutMs: config.timeoutMs });
    this.#deadLetter = new DeadLetterFile(dataDir, config.name);
    const query = config.pipeline ? `?pipeline=${encodeURIComponent(config.pipeline)}` : '';
    this.#url = `${config.url.replace(/\/+$/, '')}/_bulk${query}`;
  }

  #authorization(): Record<string, string> {
    if (this.#config.apiKeyFile) return { authorization: `ApiKey ${readCredential(this.#config.apiKeyFile, 'API key')}` };
    if (this.#config.usernameFile && this.#config.passwordFile) {
      const user = readCredential(this.#config.usernameFile, 'username');
      const password = readCredential(this.#config.passwordFile, 'password');
      return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    }
    return {};
  }

  async send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome> {
    const format = this.#config.format ?? 'ecs';
    const body = buildBulkPayload(records, this.#config.index, format);
    const response = await httpRequest(this.#agent, this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...this.#authorization() },
      body,
      signal,
    });
    const summary = `${this.#url}: HTTP ${response.status}: ${response.body.slice(0, 200)}`;
    if (response.status !== 200) throw statusError(summary, response);
    let items: BulkItem[];
    try {
      const parsed = JSON.parse(response.body) as { items?: Array<Record<string, BulkItem>> };
      items = (parsed.items ?? []).map((item) => Object.values(item)[0] as BulkItem);
    } catch {
      throw new SinkError(ErrorCodes.SINK_BAD_RESPONSE, `${this.#url}: HTTP 200 with a body that is not JSON`, { retryable: true });
    }
    if (items.length !== records.length) {
      throw new SinkError(ErrorCodes.SINK_BAD_RESPONSE, `${this.#url}: ${items.length} items answered for ${records.length} sent`, { retryable: true });
    }
    const retry = items.filter((item) => item.status === 429 || item.status >= 500);
    if (retry.length > 0) {
      throw new SinkError(ErrorCodes.SINK_RETRYABLE_STATUS, `${this.#url}: ${retry.length} of ${items.length} items answered ${retry[0]?.status}; retrying the batch`, { retryable: true });
    }
    const refused = items
      .map((item, index) => ({ item, record: records[index] as JournalRecord }))
      .filter(({ item }) => item.status !== 201 && item.status !== 200 && item.status !== 409);
    await this.#deadLetter.write(
      refused.map(({ item, record }) => ({ sink: this.name, seq: record.seq, eventId: record.event.id, status: item.status, error: item.error, document: formatObject(format, record) })),
    );
    return { rejected: refused.length };
  }

  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
