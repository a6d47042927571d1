import { Agent, request, type Dispatcher } from 'undici';
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
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(
    readonly address: AdminAddress,
    options: AdminClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.dispatcher = new Agent({
      connections: 2,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      ...(address.socketPath ? { connect: { socketPath: address.socketPath } } : {}),
    });
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

  async post(path: string, params: Record<string, string>): Promise<string> {
    return this.send('POST', path, params);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private where(path: string): string {
    return `Envoy admin ${this.address.display}${path}`;
  }

  private async send(method: 'GET' | 'POST', path: string, params: Record<string, string>): Promise<string> {
    const query = new URLSearchParams(params).toString().replace(/=(&|$)/g, '$1');
    const url = `${this.address.origin}${path}${query ? `?${query}` : ''}`;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method, dispatcher: this.dispatcher, signal });
    } catch (error) {
      throw this.transportError(path, error);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      response.body.destroy();
      throw new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response of ${declared} bytes exceeds the limit of ${this.maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > this.maxBytes) {
          response.body.destroy();
          throw new DriftError(ErrorCodes.ADMIN_TOO_LARGE, `${this.where(path)}: response exceeds the limit of ${this.maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof DriftError) throw error;
      throw this.transportError(path, error);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (response.statusCode !== 200) {
      const detail = text.trim().split('\n')[0]?.slice(0, 200) ?? '';
      throw new DriftError(ErrorCodes.ADMIN_HTTP_STATUS, `${this.where(path)}: HTTP ${response.statusCode}${detail ? ` (${detail})` : ''}`);
    }
    return text;
  }

  private transportError(path: string, error: unknown): DriftError {
    const code = (error as { code?: string; name?: string })?.code ?? '';
    const name = (error as { name?: string })?.name ?? '';
    if (name === 'TimeoutError' || name === 'AbortError' || code.includes('TIMEOUT')) {
      return new DriftError(ErrorCodes.ADMIN_TIMEOUT, `${this.where(path)}: no answer within ${this.timeoutMs} ms`, { cause: error });
    }
    const reason = (error as { cause?: { code?: string } })?.cause?.code ?? code ?? 'connection failed';
    return new DriftError(ErrorCodes.ADMIN_UNREACHABLE, `${this.where(path)}: unreachable (${reason || (error as Error).message})`, { cause: error });
  }
}
