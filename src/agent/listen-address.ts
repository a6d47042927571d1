import { isIP } from 'node:net';
import { DriftError, ErrorCodes } from '../errors.js';

export type ListenAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly loopback: boolean } | { readonly kind: 'unix'; readonly path: string; readonly loopback: true };

/** `host:port`, `[::1]:port` or `unix:/path`. A unix socket counts as local. */
export function parseListenAddress(text: string): ListenAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (!path) throw new DriftError(ErrorCodes.USAGE, `--listen ${text}: a unix socket needs a path`);
    return { kind: 'unix', path, loopback: true };
  }
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (!match) throw new DriftError(ErrorCodes.USAGE, `--listen ${text}: expected host:port or unix:/path`);
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port > 65_535) throw new DriftError(ErrorCodes.USAGE, `--listen ${text}: port out of range`);
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  return { kind: 'tcp', host, port, loopback };
}
