import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { DriftError, ErrorCodes } from '../errors.js';
import { SinkError, unreachable } from './sink-error.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An undici agent for one sink, trusting `caFile` in addition to nothing else when given. */
export function createAgent(options: { caFile?: string; timeoutMs?: number }): Agent {
  let ca: Buffer | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile);
    } catch (error) {
      throw new DriftError(ErrorCodes.SINK_CONFIG, `${options.caFile}: ${(error as Error).message}`, { cause: error });
    }
  }
  const timeout = options.timeoutMs ?? 10_000;
  return new Agent({ connect: { ...(ca ? { ca } : {}), timeout }, headersTimeout: timeout, bodyTimeout: timeout, keepAliveTimeout: 4_000 });
}

export async function httpRequest(
  dispatcher: Dispatcher,
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<HttpResponse> {
  try {
    const response = await request(url, { dispatcher, method: init.method, headers: init.headers, body: init.body, signal: init.signal });
    const body = await response.body.text();
    return { status: response.statusCode, headers: response.headers, body };
  } catch (error) {
    throw unreachable(new URL(url).origin, error);
  }
}

/** Reads a credential file, trimmed, on every call so a rotated credential is picked up; missing or empty is a configuration error. */
export function readCredential(file: string, what: string): string {
  let value: string;
  try {
    value = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new SinkError(ErrorCodes.SINK_MISCONFIGURED, `${file}: cannot read the ${what} (${(error as Error).message})`, { retryable: false, cause: error });
  }
  if (value === '') throw new SinkError(ErrorCodes.SINK_MISCONFIGURED, `${file}: the ${what} file is empty`, { retryable: false });
  return value;
}
