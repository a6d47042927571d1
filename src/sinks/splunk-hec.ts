import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Agent } from 'undici';
import { formatObject, type FormatName } from '../formats/format.js';
import type { JournalRecord } from '../journal/record.js';
import { sleep } from '../common/sleep.js';
import { DeadLetterFile } from './dead-letter.js';
import { createAgent, httpRequest, readCredential, type HttpResponse } from './http-client.js';
import type { SplunkHecSinkConfig } from './sink-config.js';
import { isRetryableStatus, retryAfterMs } from '../common/http-failure.js';
import { ErrorCodes, SinkError } from './sink-error.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

export interface HecEnvelopeOptions {
  readonly format: FormatName;
  readonly index?: string;
  readonly source: string;
  readonly sourcetype: string;
}

/** The /services/collector/event body: one JSON envelope per record, concatenated. */
export function buildHecPayload(records: readonly JournalRecord[], options: HecEnvelopeOptions): string {
  return records
    .map((record) =>
      JSON.stringify({
        time: Date.parse(record.event.time) / 1000,
        host: record.event.proxy.pod ?? osHostname(),
        source: options.source,
        sourcetype: options.sourcetype,
        ...(options.index ? { index: options.index } : {}),
        fields: { event_id: record.event.id, event_type: record.event.type, journal_seq: String(record.seq) },
        event: formatObject(options.format, record),
      }),
    )
    .join('\n');
}

/**
 * HEC status codes (the `code` field) and what they mean for delivery: 8, 9
 * and 18-20 are the server's trouble and are retried; 1-4 (token), 7
 * (index), 11 (channel), 16 are configuration problems and raise the alarm;
 * 6, 12, 13, 15 with an `invalid-event-number` name one malformed event,
 * which goes to the dead-letter file while the rest is sent again; 14 says
 * acknowledgement is off for the token.
 */
const RETRYABLE_CODES = new Set([8, 9, 18, 19, 20]);
const MALFORMED_EVENT_CODES = new Set([6, 12, 13, 15]);
const ACK_DISABLED_CODE = 14;

/** A 400 for one malformed event, with the `invalid-event-number` HEC reports. */
function invalidEvent(response: HttpResponse, count: number): { index: number; status: number; code: number; text: string } | undefined {
  try {
    const parsed = JSON.parse(response.body) as { code?: number; text?: string; 'invalid-event-number'?: number };
    const index = parsed['invalid-event-number'];
    if (response.status !== 400 || !MALFORMED_EVENT_CODES.has(parsed.code ?? -1) || typeof index !== 'number' || index < 0 || index >= count) return undefined;
    return { index, status: response.status, code: parsed.code as number, text: parsed.text ?? '' };
  } catch {
    return undefined;
  }
}

/** The error for a HEC answer other than 200: HEC's own code decides, else the HTTP status. */
export function classifyHecAnswer(response: HttpResponse, address: string): SinkError {
  let code: number | undefined;
  let text = response.body.slice(0, 200);
  try {
    const parsed = JSON.parse(response.body) as { code?: number; text?: string };
    code = parsed.code;
    text = parsed.text ?? text;
  } catch {
    // not a HEC answer (a proxy in between); the HTTP status decides
  }
  const message = `${address}: HTTP ${response.status}${code === undefined ? '' : ` code ${code}`}: ${text}`;
  const retryable = (code !== undefined && RETRYABLE_CODES.has(code)) || isRetryableStatus(response.status);
  if (retryable) return new SinkError(ErrorCodes.SINK_RETRYABLE_STATUS, message, { retryable: true, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  if (code === ACK_DISABLED_CODE) return new SinkError(ErrorCodes.SINK_ACK_DISABLED, message, { retryable: false });
  if ([5, 6, 12, 13, 15].includes(code ?? -1)) return new SinkError(ErrorCodes.SINK_BAD_RESPONSE, message, { retryable: false });
  return new SinkError(ErrorCodes.SINK_MISCONFIGURED, message, { retryable: false });
}

/**
 * Splunk HTTP Event Collector. Every request carries the sink's channel. When
 * the token has indexer acknowledgement on, the answer holds an ackId and the
 * batch counts as delivered only once /services/collector/ack reports it
 * true; an ack still pending after `ackTimeoutMs` is taken as lost and the
 * batch is sent again (duplicates carry their event id).
 */
export class SplunkHecSink implements Sink {
  readonly type = 'splunk_hec';
  readonly name: string;
  readonly #config: SplunkHecSinkConfig;
  readonly #agent: Agent;
  readonly #channel: string;
  readonly #base: string;
  readonly #deadLetter: DeadLetterFile;

  constructor(config: SplunkHecSinkConfig, dataDir: string) {
    this.name = config.name;
    this.#config = config;
    this.#agent = createAgent({ caFile: config.caFile, timeoutMs: config.timeoutMs });
    this.#channel = config.channel ?? randomUUID();
    this.#base = config.url.replace(/\/+$/, '');
    this.#deadLetter = new DeadLetterFile(dataDir, config.name);
  }

  get channel(): string {
    return this.#channel;
  }

  async send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome> {
    let batch = [...records];
    let rejected = 0;
    while (batch.length > 0) {
      const invalid = await this.#post(batch, signal);
      if (invalid === undefined) break;
      // HEC names the first event it could not take: that one goes to the dead-letter file, the rest is sent again
      const record = batch[invalid.index] as JournalRecord;
      await this.#deadLetter.write([{ sink: this.name, seq: record.seq, eventId: record.event.id, status: invalid.status, code: invalid.code, error: invalid.text }]);
      batch = batch.filter((_, index) => index !== invalid.index);
      rejected++;
    }
    return rejected === 0 ? DELIVERED : { rejected };
  }

  /** Posts one batch; resolves when it is delivered (and acknowledged), or names the event HEC refused as malformed. */
  async #post(records: readonly JournalRecord[], signal: AbortSignal): Promise<{ index: number; status: number; code: number; text: string } | undefined> {
    const headers = {
      authorization: `Splunk ${readCredential(this.#config.tokenFile, 'HEC token')}`,
      'x-splunk-request-channel': this.#channel,
      'content-type': 'application/json',
    };
    const format = this.#config.format ?? 'ocsf';
    const body = buildHecPayload(records, {
      format,
      index: this.#config.index,
      source: this.#config.source ?? 'envoy-drift',
      sourcetype: this.#config.sourcetype ?? `envoy-drift:${format}`,
    });
    const url = `${this.#base}/services/collector/event`;
    const response = await httpRequest(this.#agent, url, { method: 'POST', headers, body, signal });
    if (response.status !== 200) {
      const invalid = invalidEvent(response, records.length);
      if (invalid) return invalid;
      throw classifyHecAnswer(response, url);
    }
    let answer: { code?: number; ackId?: number };
    try {
      answer = JSON.parse(response.body) as typeof answer;
    } catch {
      throw new SinkError(ErrorCodes.SINK_BAD_RESPONSE, `${url}: HTTP 200 with a body that is not JSON`, { retryable: true });
    }
    if (typeof answer.ackId === 'number') await this.#awaitAck(answer.ackId, headers, signal);
    return undefined;
  }

  async #awaitAck(ackId: number, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
    const url = `${this.#base}/services/collector/ack?channel=${encodeURIComponent(this.#channel)}`;
    const deadline = Date.now() + (this.#config.ackTimeoutMs ?? 300_000);
    const interval = this.#config.ackPollIntervalMs ?? 1_000;
    while (!signal.aborted) {
      const response = await httpRequest(this.#agent, url, { method: 'POST', headers, body: JSON.stringify({ acks: [ackId] }), signal });
      if (response.status !== 200) {
        const error = classifyHecAnswer(response, url);
        // Acknowledgement is off for this token after all: the 200 on the event request stands.
        if (error.code === ErrorCodes.SINK_ACK_DISABLED) return;
        throw error;
      }
      const acks = (JSON.parse(response.body) as { acks?: Record<string, boolean> }).acks ?? {};
      if (acks[String(ackId)] === true) return;
      if (Date.now() >= deadline) {
        throw new SinkError(ErrorCodes.SINK_ACK_LOST, `${url}: ack ${ackId} not confirmed after ${this.#config.ackTimeoutMs ?? 300_000} ms; sending the batch again`, { retryable: true });
      }
      await sleep(interval, signal);
    }
    throw new SinkError(ErrorCodes.SINK_ACK_LOST, `${url}: stopped while waiting for ack ${ackId}`, { retryable: true });
  }

  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
