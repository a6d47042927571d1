import http from 'node:http';
import https from 'node:https';
import { transportFailure } from '../common/http-failure.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { AdminAddress } from './admin-address.js';

export interface AdminClientOptions {
  /** Per request, from sending to the last body byte. */
  readonly timeoutMs?: number;
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
 * A small client for Envoy's admin API. Every failure becomes one DriftError
 * naming the address and path: unreachable, timed out, an HTTP status, an
 * answer that is not JSON (an HTML page, a truncated body) or one too large.
 */
export class AdminClient {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(
    readonly address: AdminAddress,
    options: AdminClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
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

  /** One request, bounded in time (sending to the last body byte) and in size. */
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
      const timer = setTimeout(() => finish(new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const request = (secure ? https : http).request(options, (response) => {
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > this.maxBytes) {
          finish(new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response of ${declared} bytes exceeds the limit of ${this.maxBytes}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBytes) finish(new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response exceeds the limit of ${this.maxBytes} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => finish(undefined, { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), reused: request.reusedSocket }));
        response.on('error', (error) => finish(this.transportError(path, error)));
        response.on('aborted', () => finish(this.transportError(path, new Error('connection closed before the answer ended'))));
      });
      request.on('error', (error) => finish(this.transportError(path, error)));
      request.end();
    });
  }

  private transportError(path: string, error: unknown): DriftError {
    const failure = transportFailure(error);
    if (failure.kind !== 'unreachable') return new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: no answer within ${this.timeoutMs} ms`, { cause: error });
    return new DriftError(ErrorCodes.ADMIN_UNREACHABLE, `${this.where(path)}: unreachable (${failure.reason})`, { cause: error });
  }
}
