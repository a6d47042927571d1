import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** What a test hands a helper so the helper can clean up after it (tap's `t`). */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestServer {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` (https for TLS), or `unix:<path>` on a socket. */
  readonly origin: string;
  readonly port: number;
  /** Drops open connections and closes; idempotent. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Serve HTTPS with this certificate and key. */
  readonly tls?: { readonly cert: Buffer | string; readonly key: Buffer | string };
  /** Listen on this unix socket instead of a loopback port. */
  readonly socketPath?: string;
}

/** A real HTTP server on 127.0.0.1, port 0 (or a unix socket); the caller closes it. */
export async function startHttpServer(handler: RequestListener = () => undefined, options: TestServerOptions = {}): Promise<TestServer> {
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.socketPath) server.listen(options.socketPath, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const port = options.socketPath ? 0 : (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    server,
    port,
    origin: options.socketPath ? `unix:${options.socketPath}` : `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

/** startHttpServer, closed when the test ends. */
export async function httpServer(t: Teardown, handler?: RequestListener, options: TestServerOptions = {}): Promise<TestServer> {
  const running = await startHttpServer(handler, options);
  t.teardown(() => running.close());
  return running;
}
