#!/usr/bin/env node
// Runs the tap suite and ends with one plain line, "N passed, N failed",
// counted from the TAP files tap leaves in .tap/test-results, so CI can
// read the outcome whatever the reporter prints. Exits with tap's code.
// Run with tsx (it reads the corpus helper): before tap starts, a missing
// shared corpus is one line and exit 1, never a stack trace per test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusMissing } from '../test/helpers/corpus.ts';

const missing = corpusMissing();
if (missing) {
  console.error(`npm test: ${missing}`);
  process.exit(1);
}

const results = join('.tap', 'test-results');
rmSync(results, { recursive: true, force: true });
const tap = spawnSync('npx', ['tap', ...process.argv.slice(2)], { stdio: 'inherit' });

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.tap') ? [path] : [];
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files(results)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // Assertions only: subtest summary lines carry "# time=".
    const match = /^\s*(not ok|ok) \d+(.*)$/.exec(line);
    if (!match || match[2].includes('# time=')) continue;
    if (/# (SKIP|TODO)/i.test(match[2])) skipped++;
    else if (match[1] === 'ok') passed++;
    else failed++;
  }
}
if (tap.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(tap.status ?? 1);
