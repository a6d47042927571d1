import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { ErrorCodes } from '../../errors.js';

/*
 * The agent's read-only status page: one HTML document, one stylesheet and
 * one script, served from the package. Nothing is read, built or scheduled
 * until someone asks for the page; the assets are then kept for the life of
 * the process. The page reads the agent's open JSON routes and its event
 * stream; it never holds the token, so it can approve nothing.
 */

const CLIENT = new URL('./client/', import.meta.url);

/** The paths the page answers, with their media types. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/ui/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/ui/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

/**
 * Every value on the page comes from Envoy or a declaration and is untrusted:
 * the script writes text nodes only, and the policy refuses any script or
 * style that is not the page's own file, and every connection elsewhere.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

let loaded: Promise<Map<string, Buffer>> | undefined;

async function readAsset(file: string): Promise<Buffer> {
  const url = new URL(file, CLIENT);
  if (file === 'page.js' && !existsSync(fileURLToPath(url))) return buildFromSource();
  return readFile(url);
}

/**
 * Run from the sources (tsx, the tests), the script is not built yet: it is
 * bundled here with the same options as `npm run build` uses. A package has
 * page.js beside the HTML and never takes this path.
 */
async function buildFromSource(): Promise<Buffer> {
  const { bundlePage } = (await import(new URL('../../../scripts/build-page.mjs', import.meta.url).href)) as { bundlePage(): Promise<Uint8Array> };
  return Buffer.from(await bundlePage());
}

function load(): Promise<Map<string, Buffer>> {
  loaded ??= Promise.all(Object.entries(ASSETS).map(async ([path, asset]) => [path, await readAsset(asset.file)] as const))
    .then((entries) => new Map(entries))
    .catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
  return loaded;
}

export function isStatusPagePath(path: string): boolean {
  return Object.hasOwn(ASSETS, path);
}

/** Answers a GET for one of the page's paths. */
export async function serveStatusPage(path: string, response: ServerResponse): Promise<void> {
  const asset = ASSETS[path];
  const body = asset ? (await load()).get(path) : undefined;
  if (!asset || !body) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(`${JSON.stringify({ error: ErrorCodes.AGENT_NOT_FOUND, message: `${path}: not found` })}\n`);
    return;
  }
  response.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, 'cache-control': 'no-cache', ...SECURITY_HEADERS }).end(body);
}
