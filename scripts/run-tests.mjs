#!/usr/bin/env node
// Runs the tap suite and ends with one plain line, "N passed, N failed",
// counted from the TAP files tap leaves in .tap/test-results, so CI can
// read the outcome whatever the reporter prints. Exits with tap's code.
// Run with tsx (it reads the corpus helper): before tap starts, a missing
// shared corpus is one line and exit 1, never a stack trace per test.
//
// Coverage of src/ is collected by V8 in every process the suite starts
// (tests, the CLI and agents they spawn, worker threads) through
// NODE_V8_COVERAGE, mapped back to the TypeScript with the source maps tsx
// leaves in Node's cache, and summed up per folder by c8 after tap. tap's own
// coverage stays off: it sees only the test processes. COVERAGE=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { corpusMissing } from '../test/helpers/corpus.ts';

const missing = corpusMissing();
if (missing) {
  console.error(`npm test: ${missing}`);
  process.exit(1);
}

const results = join('.tap', 'test-results');
const coverage = process.env.COVERAGE !== '0';
const rawCoverage = resolve('.tap', 'v8-coverage');
const coverageReport = join('.tap', 'coverage');
for (const dir of [results, rawCoverage, coverageReport]) rmSync(dir, { recursive: true, force: true });
const env = coverage ? { ...process.env, NODE_V8_COVERAGE: rawCoverage } : process.env;
const tap = spawnSync('npx', ['tap', ...process.argv.slice(2)], { stdio: 'inherit', env });
if (coverage) reportCoverage();

// One line a src/ folder, then the total; per file in .tap/coverage/coverage-summary.json.
function reportCoverage() {
  const c8 = createRequire(import.meta.url).resolve('c8/bin/c8.js');
  const report = spawnSync(process.execPath, [
    c8, 'report', '--temp-directory', rawCoverage, '--reports-dir', coverageReport,
    '--reporter', 'json-summary', '--all', '--include', 'src/**',
    // Bundled for the browser: it runs in Chromium, where V8 coverage is not collected.
    '--exclude', 'src/agent/status-page/client/**',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(rawCoverage, { recursive: true, force: true });
  const summaryFile = join(coverageReport, 'coverage-summary.json');
  if (report.status !== 0 || !existsSync(summaryFile)) {
    console.log('coverage: no report (c8 failed)');
    return;
  }
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const kinds = ['lines', 'branches', 'functions'];
  const folders = new Map();
  for (const [file, counts] of Object.entries(summary)) {
    if (file === 'total') continue;
    const folder = /(src\/[^/]+)\//.exec(file)?.[1] ?? 'src';
    const sum = folders.get(folder) ?? Object.fromEntries(kinds.map((k) => [k, { covered: 0, total: 0 }]));
    for (const kind of kinds) {
      sum[kind].covered += counts[kind].covered;
      sum[kind].total += counts[kind].total;
    }
    folders.set(folder, sum);
  }
  const percent = ({ covered, total }) => (total === 0 ? 100 : (100 * covered) / total).toFixed(1).padStart(6);
  const row = (name, sum) => `${name.padEnd(18)}${kinds.map((kind) => `${percent(sum[kind])} %`.padStart(12)).join('')}`;
  console.log(`\ncoverage          ${kinds.map((kind) => kind.padStart(12)).join('')}`);
  for (const folder of [...folders.keys()].sort()) console.log(row(folder, folders.get(folder)));
  console.log(row('total', summary.total));
}

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
