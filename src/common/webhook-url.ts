import { isIP } from 'node:net';

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

/**
 * Why a webhook URL is refused, if it is: what leaves the node goes over
 * https; plain http only to this host (a receiver in the same pod). A name
 * that merely starts like a loopback address (`127.example.com`) is not one.
 */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url}: not a URL`;
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopback(parsed.hostname)) return undefined;
  return `${url}: webhooks must use https (plain http only to loopback)`;
}
