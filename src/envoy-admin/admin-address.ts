import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';

/** Where an Envoy admin listens: a TCP origin or a unix socket. */
export interface AdminAddress {
  /** Origin used in request URLs (a placeholder host for unix sockets). */
  readonly origin: string;
  readonly socketPath?: string;
  /** As the user wrote it, for messages. */
  readonly display: string;
}

/** Accepts `http://host:port`, `host:port` and `unix:/path/to/socket`. */
export function parseAdminAddress(text: string): Result<AdminAddress> {
  const trimmed = text.trim();
  if (trimmed.startsWith('unix:')) {
    const socketPath = trimmed.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!socketPath.startsWith('/') && !socketPath.startsWith('.')) {
      return fail(new DriftError(ErrorCodes.USAGE, `admin address ${text}: a unix socket needs a path, as in unix:/run/envoy/admin.sock`));
    }
    return ok({ origin: 'http://localhost', socketPath, display: trimmed });
  }
  const withScheme = /^[a-z]+:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(new DriftError(ErrorCodes.USAGE, `admin address ${text}: not a URL, host:port or unix:/path`));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(new DriftError(ErrorCodes.USAGE, `admin address ${text}: only http://, https:// or unix: are supported`));
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    return fail(new DriftError(ErrorCodes.USAGE, `admin address ${text}: give the admin origin without a path`));
  }
  return ok({ origin: url.origin, display: url.origin });
}
