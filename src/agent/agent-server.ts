import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import type { DriftReport } from '../compare/drift.js';
import { asDriftError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { DriftEvent } from '../events/event.js';
import { guardConnections, type ConnectionGuardOptions } from './connection-guard.js';
import type { ListenAddress } from './listen-address.js';
import { isStatusPagePath, serveStatusPage } from './status-page/status-page.js';

/** What the endpoint shows of the agent. */
export interface AgentView {
  readonly registry: Registry;
  healthy(): boolean;
  readiness(): { ready: boolean; reason?: string };
  status(): unknown;
  report(): DriftReport | undefined;
  snapshot(): unknown;
  checkNow(): Promise<DriftReport>;
  subscribe(listener: (event: DriftEvent) => void): () => void;
}

/** A mutating route added by another part (remediation), behind the same token check. */
export interface ExtraRoute {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly mutating: boolean;
  handle(match: RegExpExecArray, request: IncomingMessage): Promise<{ status: number; body: unknown }>;
}

/** Bytes an SSE client may leave unread before it is dropped: about a thousand events. */
export const SSE_QUEUE_BYTES = 1024 * 1024;

function sseDropped(registry: Registry): Counter {
  return (registry.getSingleMetric('envoydrift_sse_clients_dropped_total') as Counter | undefined) ?? new Counter({ name: 'envoydrift_sse_clients_dropped_total', help: 'Event-stream clients dropped because they left more than 1 MiB unread.', registers: [registry] });
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? `${JSON.stringify(body, null, 2)}\n` : String(body);
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(text);
}

/** Every error answer of the endpoint has this one shape: a stable code from errors.ts and one line for a person. */
export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
}

function sendError(response: ServerResponse, status: number, error: ErrorCode, message: string): void {
  send(response, status, { error, message } satisfies ErrorBody);
}

/** Only this part of a report: the services and drift of one service. */
export function reportFor(report: DriftReport, service: string): DriftReport | undefined {
  const services = report.services.filter((s) => s.name === service);
  if (services.length === 0) return undefined;
  const drift = report.drift.filter((d) => d.service === service);
  return { ...report, inSync: drift.length === 0, services, drift, ignored: report.ignored.filter((r) => !r.service || r.service === service) };
}

/**
 * The agent's own admin endpoint. Reads are open; mutating routes need the
 * bearer token from --token-file, and without one they are disabled.
 */
export class AgentServer {
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly view: AgentView,
    private readonly token: Buffer | undefined,
    private readonly extra: readonly ExtraRoute[] = [],
    guard: ConnectionGuardOptions = {},
  ) {
    this.server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
      this.route(request, response).catch((error: unknown) => {
        // decodeURIComponent on a path with malformed percent-encoding: the client's mistake.
        if (error instanceof URIError && !response.headersSent) return sendError(response, 400, ErrorCodes.AGENT_BAD_REQUEST, 'malformed percent-encoding in the path');
        const drift = asDriftError(error);
        if (!response.headersSent) sendError(response, 500, drift.code, drift.message);
        else response.end();
      });
    });
    guardConnections(this.server, guard);
  }

  async listen(address: ListenAddress): Promise<string> {
    if (address.kind === 'unix') await rm(address.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      if (address.kind === 'unix') this.server.listen(address.path, resolve);
      else this.server.listen(address.port, address.host, resolve);
    });
    this.keepAlive = setInterval(() => {
      for (const stream of this.streams) stream.write(': keep-alive\n\n');
    }, 15_000).unref();
    if (address.kind === 'unix') return `unix:${address.path}`;
    const info = this.server.address() as AddressInfo;
    return `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private authorised(request: IncomingMessage): { ok: true } | { ok: false; status: number; code: ErrorCode; message: string } {
    if (!this.token) return { ok: false, status: 403, code: ErrorCodes.AGENT_FORBIDDEN, message: 'mutating routes are disabled: start the agent with --token-file' };
    const header = request.headers.authorization ?? '';
    // The scheme is case-insensitive (RFC 7235 section 2.1).
    const given = Buffer.from(/^bearer /i.test(header) ? header.slice(7).trim() : '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) return { ok: false, status: 401, code: ErrorCodes.AGENT_UNAUTHORIZED, message: 'missing or wrong bearer token' };
    return { ok: true };
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://agent');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    for (const route of this.extra) {
      const match = route.pattern.exec(path);
      if (!match || route.method !== method) continue;
      if (route.mutating) {
        const auth = this.authorised(request);
        if (!auth.ok) return sendError(response, auth.status, auth.code, auth.message);
      }
      const { status, body } = await route.handle(match, request);
      return send(response, status, body);
    }
    if (method === 'POST' && path === '/v1/check') {
      const auth = this.authorised(request);
      if (!auth.ok) return sendError(response, auth.status, auth.code, auth.message);
      return send(response, 200, await this.view.checkNow());
    }
    // HEAD is GET without the body (Node leaves it out); probes and monitors use it.
    if (method !== 'GET' && !(method === 'HEAD' && path !== '/v1/events')) return sendError(response, 405, ErrorCodes.AGENT_METHOD_NOT_ALLOWED, `${method.slice(0, 20)} ${path.slice(0, 200)}: method not allowed`);
    if (isStatusPagePath(path)) return serveStatusPage(path, response);
    switch (path) {
      case '/healthz':
        return this.view.healthy() ? send(response, 200, 'ok\n', 'text/plain') : send(response, 503, 'unhealthy\n', 'text/plain');
      case '/readyz': {
        const readiness = this.view.readiness();
        return send(response, readiness.ready ? 200 : 503, `${readiness.ready ? 'ready' : `not ready: ${readiness.reason ?? ''}`}\n`, 'text/plain');
      }
      case '/metrics':
        return send(response, 200, await this.view.registry.metrics(), this.view.registry.contentType);
      case '/v1/status':
        return send(response, 200, this.view.status());
      case '/v1/snapshot':
        return send(response, 200, this.view.snapshot());
      case '/v1/drift': {
        const report = this.view.report();
        return report ? send(response, 200, report) : sendError(response, 503, ErrorCodes.AGENT_NO_CHECK_YET, 'no complete check yet');
      }
      case '/v1/events':
        return this.stream(request, response);
    }
    const service = /^\/v1\/drift\/([^/]+)$/.exec(path);
    if (service) {
      const report = this.view.report();
      if (!report) return sendError(response, 503, ErrorCodes.AGENT_NO_CHECK_YET, 'no complete check yet');
      const name = decodeURIComponent(service[1]!);
      const scoped = reportFor(report, name);
      return scoped ? send(response, 200, scoped) : sendError(response, 404, ErrorCodes.AGENT_NOT_FOUND, `no service "${name}"`);
    }
    sendError(response, 404, ErrorCodes.AGENT_NOT_FOUND, `${path.slice(0, 200)}: not found`);
  }

  /** Server-sent events: every event the agent emits from now on. */
  private stream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': envoy-drift events\n\n');
    this.streams.add(response);
    const unsubscribe = this.view.subscribe((event) => {
      // A reader that does not read must not grow the agent's memory: past the bound it is dropped (and counted); it reconnects with Last-Event-ID gone, as after any drop.
      if (response.writableLength > SSE_QUEUE_BYTES) {
        sseDropped(this.view.registry).inc();
        unsubscribe();
        this.streams.delete(response);
        response.destroy();
        return;
      }
      response.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    request.on('close', () => {
      unsubscribe();
      this.streams.delete(response);
    });
  }
}
