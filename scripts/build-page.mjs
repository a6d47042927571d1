#!/usr/bin/env node
// Builds the agent's status page into dist/agent/status-page/client/: the
// client TypeScript bundled into one small ES2022 script by esbuild, beside
// the HTML and the stylesheet copied as they are. `npm run build` runs it
// after tsc; the agent run from its sources calls bundlePage() on the first
// request for the page instead.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'agent', 'status-page', 'client');
const target = join(root, 'dist', 'agent', 'status-page', 'client');

export async function bundlePage() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(source, 'page.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'page.js'), await bundlePage());
  for (const file of ['page.html', 'page.css']) copyFileSync(join(source, file), join(target, file));
}
