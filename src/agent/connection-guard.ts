import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Connections held at once; past it the oldest one that never completed a request is closed. */
  readonly maxConnections?: number;
  /** Time a client has to send its request headers (slowloris). */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send its whole request. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 1024;

/**
 * Bounds what clients can hold of the agent's file descriptors. A local
 * endpoint's clients (probes, Prometheus, an operator) send a request within
 * milliseconds of connecting; a connection that has not is the first to go
 * when a new one arrives at the cap. So a flood of half-open connections
 * cycles through the oldest of its own, and a probe still gets in and is
 * answered. Event-stream readers have completed their request and are kept.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions = {}): void {
  const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  // Insertion order is age: the first entry without a request is the oldest idle one.
  const waiting = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    waiting.add(socket);
    socket.once('close', () => {
      open--;
      waiting.delete(socket);
    });
    if (open <= max) return;
    const oldest = waiting.values().next().value as Socket | undefined;
    (oldest ?? socket).destroy();
  });
  server.on('request', (request) => waiting.delete(request.socket));
}
