import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { DriftError, ErrorCodes } from '../errors.js';
import { formatText, type FormatName } from '../formats/format.js';
import { SYSLOG_SEVERITY } from '../formats/severity.js';
import type { JournalRecord } from '../journal/record.js';
import { SYSLOG_FACILITIES, type SyslogSinkConfig } from './sink-config.js';
import { SinkError, unreachable } from './sink-error.js';
import { DELIVERED, type SendOutcome, type Sink } from './sink.js';

/**
 * Structured-data id for envoy-drift's own parameters. 32473 is the private
 * enterprise number RFC 5612 reserves for documentation; a deployment with
 * its own number can change it here.
 */
export const SD_ID = 'envoydrift@32473';

export interface SyslogMessageOptions {
  readonly facility: number;
  readonly appName: string;
  readonly hostname: string | undefined;
  readonly procId: string;
  readonly format: FormatName;
}

function headerField(value: string | undefined, max: number): string {
  const cleaned = (value ?? '').replace(/[^!-~]/g, '').slice(0, max);
  return cleaned === '' ? '-' : cleaned;
}

function sdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** One RFC 5424 message: header, envoy-drift structured data (event id, sequence), then the formatted event. */
export function buildSyslogMessage(record: JournalRecord, options: SyslogMessageOptions): string {
  const event = record.event;
  const pri = options.facility * 8 + SYSLOG_SEVERITY[event.severity];
  const host = headerField(options.hostname ?? event.proxy.pod ?? osHostname(), 255);
  const sd = `[${SD_ID} eventId="${sdValue(event.id)}" seq="${record.seq}" type="${sdValue(event.type)}"]`;
  const msg = formatText(options.format, record).replace(/\r?\n/g, ' ');
  return `<${pri}>1 ${event.time} ${host} ${headerField(options.appName, 48)} ${headerField(options.procId, 128)} ${headerField(event.type, 32)} ${sd} ${msg}`;
}

/** RFC 5425 / RFC 6587 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function frameOctetCounting(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

/**
 * RFC 5424 over UDP, TCP or TLS. UDP is fire and forget. On TCP and TLS each
 * batch goes on its own connection, and with `confirm: close` (the default)
 * it counts as delivered only once the receiver has closed that connection
 * after reading all of it and then still accepts a new connection: a receiver
 * killed after reading but before writing the batch fails that check, and the
 * batch is sent again. Syslog has no acknowledgement; this is the closest a
 * plain syslog receiver gets to one, and duplicates carry their event id.
 *
 * A TLS receiver that checks the client certificate only after the handshake
 * (rsyslog does) and drops a session it refuses after reading the batch
 * closes exactly like one that accepted it. So before the first TLS batch,
 * and again after any failure, a session check opens a session with the same
 * credentials, sends nothing and waits `sessionCheckMs`: a receiver that
 * closes it unprompted refused us, which is a configuration error.
 */
export class SyslogSink implements Sink {
  readonly type = 'syslog';
  readonly name: string;
  readonly #config: SyslogSinkConfig;
  readonly #message: SyslogMessageOptions;
  readonly #tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  readonly #address: string;
  #sessionChecked = false;

  constructor(config: SyslogSinkConfig) {
    this.name = config.name;
    this.#config = config;
    this.#address = `${config.protocol}://${config.host}:${config.port}`;
    this.#message = {
      facility: SYSLOG_FACILITIES[config.facility ?? 'local0'],
      appName: config.appName ?? 'envoy-drift',
      hostname: config.hostname,
      procId: String(process.pid),
      format: config.format ?? 'cef',
    };
    for (const key of ['ca', 'cert', 'key'] as const) {
      const file = config[`${key}File`];
      if (!file) continue;
      try {
        this.#tls[key] = readFileSync(file);
      } catch (error) {
        throw new DriftError(ErrorCodes.SINK_CONFIG, `${file}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  send(records: readonly JournalRecord[], signal: AbortSignal): Promise<SendOutcome> {
    const messages = records.map((record) => buildSyslogMessage(record, this.#message));
    if (this.#config.protocol === 'udp') return this.#sendUdp(messages);
    return this.#sendFramed(Buffer.from(messages.map(frameOctetCounting).join('')), signal);
  }

  async #sendFramed(payload: Buffer, signal: AbortSignal): Promise<SendOutcome> {
    try {
      if (this.#config.protocol === 'tls' && !this.#sessionChecked) {
        await this.#checkSession(signal);
        this.#sessionChecked = true;
      }
      return await this.#sendStream(payload, signal);
    } catch (error) {
      this.#sessionChecked = false;
      throw error;
    }
  }

  #connect(): Socket {
    const { host, port } = this.#config;
    return this.#config.protocol === 'tls'
      ? tlsConnect({ host, port, servername: this.#config.serverName ?? (isIP(host) ? undefined : host), rejectUnauthorized: true, ...this.#tls })
      : netConnect({ host, port });
  }

  /** Opens a TLS session, sends nothing, and fails if the receiver closes it unprompted within `sessionCheckMs`. */
  #checkSession(signal: AbortSignal): Promise<void> {
    const waitMs = this.#config.sessionCheckMs ?? 250;
    return new Promise((resolve, reject) => {
      const socket = this.#connect();
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error instanceof SinkError ? error : unreachable(this.#address, error));
        else resolve();
      };
      const onAbort = (): void => finish(new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#address}: delivery aborted`, { retryable: true }));
      signal.addEventListener('abort', onAbort, { once: true });
      const refused = (): void =>
        finish(
          new SinkError(ErrorCodes.SINK_MISCONFIGURED, `${this.#address}: the receiver dropped the TLS session right after the handshake (is the client certificate accepted?)`, {
            retryable: false,
          }),
        );
      socket.setTimeout(this.#config.timeoutMs ?? 10_000, () => finish(new SinkError(ErrorCodes.SINK_TIMEOUT, `${this.#address}: TLS handshake timed out`, { retryable: true })));
      socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? refused() : finish(error)));
      socket.on('data', () => undefined);
      socket.on('end', refused);
      socket.on('close', refused);
      socket.once('secureConnect', () => {
        timer = setTimeout(() => {
          socket.removeListener('end', refused);
          socket.removeListener('close', refused);
          socket.end();
          finish();
        }, waitMs);
        timer.unref();
      });
    });
  }

  async close(): Promise<void> {}

  #sendUdp(messages: readonly string[]): Promise<SendOutcome> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(this.#config.host.includes(':') ? 'udp6' : 'udp4');
      let pending = messages.length;
      let failed = false;
      const done = (error?: Error | null): void => {
        if (failed) return;
        if (error) {
          failed = true;
          socket.close();
          reject(unreachable(this.#address, error));
          return;
        }
        if (--pending === 0) {
          socket.close();
          resolve(DELIVERED);
        }
      };
      socket.on('error', done);
      for (const message of messages) socket.send(message, this.#config.port, this.#config.host, done);
    });
  }

  async #sendStream(payload: Buffer, signal: AbortSignal): Promise<SendOutcome> {
    const timeoutMs = this.#config.timeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const socket = this.#connect();
      let receiverClosed = false;
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (error) reject(error instanceof SinkError ? error : unreachable(this.#address, error));
        else resolve();
      };
      const onAbort = (): void => finish(new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#address}: delivery aborted`, { retryable: true }));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.setTimeout(timeoutMs, () => finish(new SinkError(ErrorCodes.SINK_TIMEOUT, `${this.#address}: no progress for ${timeoutMs} ms`, { retryable: true })));
      socket.on('error', (error) => finish(error));
      socket.on('data', () => undefined);
      let written = false;
      socket.on('end', () => {
        receiverClosed = true;
        // a close that comes before our batch is out is the receiver turning us away, not a confirmation
        if (!written) finish(new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#address}: the receiver closed the connection before the batch was written`, { retryable: true }));
        else if (this.#config.confirm !== 'none') finish();
      });
      socket.on('close', () => {
        if (!receiverClosed) finish(new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#address}: connection closed before the receiver confirmed the batch`, { retryable: true }));
      });
      socket.once(this.#config.protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        socket.end(payload, () => {
          written = true;
          if (this.#config.confirm === 'none') finish();
        });
      });
    });
    if (this.#config.confirm !== 'none') await this.#probe(timeoutMs);
    return DELIVERED;
  }

  /** A plain TCP connect: proves the receiver that closed our batch's connection is still running. */
  #probe(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: this.#config.host, port: this.#config.port });
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`probe timed out after ${timeoutMs} ms`)));
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) =>
        reject(new SinkError(ErrorCodes.SINK_UNREACHABLE, `${this.#address}: receiver went away right after the batch (${error.message}); sending it again`, { retryable: true, cause: error })),
      );
    });
  }
}
