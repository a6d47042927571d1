#!/usr/bin/env node
// Installs what the demo and the tests need into the git-ignored .tools/
// folder, each part only when it is missing. `node scripts/setup.mjs all`
// runs every part in scripts/setup/; `node scripts/setup.mjs envoy` one part.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const partsDir = join(here, 'setup');
const available = readdirSync(partsDir).filter((f) => f.endsWith('.mjs')).map((f) => f.replace(/\.mjs$/, '')).sort();
const wanted = process.argv.slice(2);
const parts = wanted.length === 0 || wanted.includes('all') ? available : wanted;

for (const part of parts) {
  if (!available.includes(part)) {
    console.error(`setup: unknown part "${part}" (known: ${available.join(', ')})`);
    process.exit(2);
  }
  const module = await import(pathToFileURL(join(partsDir, `${part}.mjs`)).href);
  try {
    await module.setup();
  } catch (error) {
    console.error(`setup ${part}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
