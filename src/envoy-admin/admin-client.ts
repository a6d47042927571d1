import http from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { transportFailure } from '../common/http-failure.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { AdminAddress } from './admin-address.js';

export interface AdminClientOptions {
  /**
   * How long the answer may take to start, and the longest pause between two
   * pieces of it. The whole answer may take as long as its size needs at
   * MIN_BYTES_PER_SECOND on top, and an answer that was large last time may
   * take that long to start (see `exchange`).
   */
  readonly timeoutMs?: number;
  /** How long the first answer from a path may take to start, before its size is known (default `timeoutMs`). */
  readonly firstStartTimeoutMs?: number;
  /** Largest response body accepted; a bigger one is refused, not buffered. */
  readonly maxBytes?: number;
}

export interface ConfigDumpQuery {
  readonly resource?: string;
  readonly mask?: string;
  readonly nameRegex?: string;
  readonly includeEds?: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

/**
 * The slowest a proxy may produce and send an answer before it counts as
 * stalled: Envoy renders a config dump in full before its first byte, so a
 * 50 MB dump on a loaded proxy takes seconds that a 5 KB one never needs.
 */
export const MIN_BYTES_PER_SECOND = 1024 * 1024;

/** A start that timed out is waited for twice as long next time, up to this many timeouts. */
const MAX_START_WAIT_FACTOR = 8;

const MAX_REMEMBERED_TARGETS = 64;

/**
 * A small client for Envoy's admin API. Every failure becomes one DriftError
 * naming the address and path: unreachable, timed out, an HTTP status, an
 * answer that is not JSON (an HTML page, a truncated body) or one too large.
 */
export class AdminClient {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly firstStartTimeoutMs: number;
  private readonly maxBytes: number;
  /** Per request target: the size of its last answer, and the start wait that last ran out, if the answer never started. */
  private readonly history = new Map<string, { bytes: number; timedOutAfterMs?: number }>();

  constructor(
    readonly address: AdminAddress,
    options: AdminClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.firstStartTimeoutMs = options.firstStartTimeoutMs ?? this.timeoutMs;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    // node:http rather than undici: the agent polls every second from two
    // isolates, and undici's module graph alone is about 20 MB of RSS in each.
    const secure = !address.socketPath && address.origin.startsWith('https:');
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 2 });
  }

  configDump(query: ConfigDumpQuery = {}): Promise<unknown> {
    const params: Record<string, string> = {};
    if (query.resource) params['resource'] = query.resource;
    if (query.mask) params['mask'] = query.mask;
    if (query.nameRegex) params['name_regex'] = query.nameRegex;
    if (query.includeEds) params['include_eds'] = '';
    return this.getJson('/config_dump', params);
  }

  runtime(): Promise<unknown> {
    return this.getJson('/runtime', {});
  }

  serverInfo(): Promise<unknown> {
    return this.getJson('/server_info', {});
  }

  /**
   * Stats matching a regex. Envoy scans every stat name for each call, on its
   * main thread: `usedonly` skips the ones never written, which cuts the scan
   * several times over on a proxy with thousands of clusters (bench/README.md).
   */
  stats(filter: string, options: { usedOnly?: boolean } = {}): Promise<unknown> {
    return this.getJson('/stats', { format: 'json', ...(options.usedOnly ? { usedonly: '' } : {}), filter });
  }

  async getJson(path: string, params: Record<string, string>): Promise<unknown> {
    const text = await this.send('GET', path, params);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      const start = text.trimStart().slice(0, 1);
      const what = start === '<' ? 'an HTML page' : text.length === 0 ? 'an empty body' : 'malformed or truncated JSON';
      throw new DriftError(ErrorCodes.ADMIN_BAD_RESPONSE, `${this.where(path)}: expected JSON, got ${what}`, { cause: error });
    }
  }

  /**
   * A GET kept as text, and whether it went over a new connection: polled
   * every second over one kept-alive connection, a new one means the old
   * was closed, as it is when the Envoy process behind it exits.
   */
  async probe(path: string): Promise<{ text: string; newConnection: boolean }> {
    const { status, text, reused } = await this.exchange('GET', path, path);
    if (status !== 200) throw new DriftError(ErrorCodes.ADMIN_HTTP_STATUS, `${this.where(path)}: HTTP ${status}`);
    return { text, newConnection: !reused };
  }

  async post(path: string, params: Record<string, string>): Promise<string> {
    return this.send('POST', path, params);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private where(path: string): string {
    return `Envoy admin ${this.address.display}${path}`;
  }

  private async send(method: 'GET' | 'POST', path: string, params: Record<string, string>): Promise<string> {
    const query = new URLSearchParams(params).toString().replace(/=(&|$)/g, '$1');
    const { status, text } = await this.exchange(method, `${path}${query ? `?${query}` : ''}`, path);
    if (status !== 200) {
      const detail = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
      throw new DriftError(ErrorCodes.ADMIN_HTTP_STATUS, `${this.where(path)}: HTTP ${status}${detail ? ` (${detail})` : ''}`);
    }
    return text;
  }

  /**
   * How long an answer may take to start: the timeout, plus what its size
   * last time needs at the minimum rate (the first time, `firstStartTimeoutMs`); after a start that ran out, twice
   * that wait (up to MAX_START_WAIT_FACTOR timeouts), so a proxy that is
   * only slow gets through on a retry while a stalled one costs one timeout.
   */
  private startWaitMs(target: string): number {
    const known = this.history.get(target);
    const bySize = known ? this.timeoutMs + (known.bytes * 1000) / MIN_BYTES_PER_SECOND : this.firstStartTimeoutMs;
    const afterTimeout = known?.timedOutAfterMs === undefined ? 0 : Math.min(2 * known.timedOutAfterMs, MAX_START_WAIT_FACTOR * this.timeoutMs);
    return Math.ceil(Math.max(bySize, afterTimeout));
  }

  /**
   * One request, bounded in size and in time: the answer must start within
   * `startWaitMs`, never pause longer than the timeout, and end by the
   * timeout plus its size (so far, or last time) at the minimum rate.
   */
  private exchange(method: 'GET' | 'POST', target: string, path: string): Promise<{ status: number; text: string; reused: boolean }> {
    return new Promise((resolve, reject) => {
      const url = new URL(target, this.address.origin);
      const secure = url.protocol === 'https:' && !this.address.socketPath;
      const options: http.RequestOptions = {
        method,
        agent: this.agent,
        path: `${url.pathname}${url.search}`,
        headers: { host: url.host, ...(method === 'POST' ? { 'content-length': '0' } : {}) },
        ...(this.address.socketPath ? { socketPath: this.address.socketPath } : { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? 443 : 80) }),
      };
      let settled = false;
      const finish = (error: DriftError | undefined, value?: { status: number; text: string; reused: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(value!);
      };
      const known = this.history.get(target);
      const startWait = this.startWaitMs(target);
      let timer = setTimeout(() => {
        this.remember(target, { bytes: known?.bytes ?? 0, timedOutAfterMs: startWait });
        finish(new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: no answer within ${startWait} ms`));
      }, startWait);
      const request = (secure ? https : http).request(options, (response) => {
        const startedAt = Date.now();
        const expected = known?.bytes ?? 0;
        // The next piece must come within the timeout, and not after the deadline its size so far allows.
        const armBodyTimer = (size: number) => {
          clearTimeout(timer);
          const deadline = startedAt + this.timeoutMs + (Math.max(size, expected) * 1000) / MIN_BYTES_PER_SECOND;
          const wait = Math.max(0, Math.min(this.timeoutMs, Math.ceil(deadline - Date.now())));
          const stalled = wait === this.timeoutMs;
          timer = setTimeout(() => {
            const why = stalled ? `the answer paused for more than ${this.timeoutMs} ms after ${size} bytes` : `${size} bytes in ${Date.now() - startedAt} ms, slower than ${MIN_BYTES_PER_SECOND} bytes/s`;
            finish(new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: ${why}`));
          }, wait);
        };
        armBodyTimer(0);
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > this.maxBytes) {
          finish(new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response of ${declared} bytes exceeds the limit of ${this.maxBytes}`));
          return;
        }
        // Each piece decoded as it comes, so the network buffers are garbage at once: a 20 MB dump is
        // not held as buffers, then as their concatenation, then as text (issue 9: a check's peak RSS).
        const decoder = new StringDecoder('utf8');
        const pieces: string[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) finish(new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response exceeds the limit of ${this.maxBytes} bytes`));
          else {
            pieces.push(decoder.write(chunk));
            armBodyTimer(size);
          }
        });
        response.on('end', () => {
          this.remember(target, { bytes: size });
          finish(undefined, { status: response.statusCode ?? 0, text: pieces.join('') + decoder.end(), reused: request.reusedSocket });
        });
        response.on('error', (error) => finish(this.transportError(path, error)));
        response.on('aborted', () => finish(this.transportError(path, new Error('connection closed before the answer ended'))));
      });
      request.on('error', (error) => finish(this.transportError(path, error)));
      request.end();
    });
  }

  private remember(target: string, entry: { bytes: number; timedOutAfterMs?: number }): void {
    // the agent asks a handful of targets; a caller inventing new ones must not grow this without bound
    if (this.history.size >= MAX_REMEMBERED_TARGETS && !this.history.has(target)) this.history.clear();
    this.history.set(target, entry);
  }

  private transportError(path: string, error: unknown): DriftError {
    const failure = transportFailure(error);
    if (failure.kind !== 'unreachable') return new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: no answer within ${this.timeoutMs} ms`, { cause: error });
    return new DriftError(ErrorCodes.ADMIN_UNREACHABLE, `${this.where(path)}: unreachable (${failure.reason})`, { cause: error });
  }
}
