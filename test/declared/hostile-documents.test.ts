import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

/* Documents built to hurt the parser: each is one line naming the file and the limit, exit 2, never a stack overflow. */

const dir = workdir(t, 'envoy-drift-hostile-');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function refused(t: Test, file: string, pattern: RegExp): Promise<void> {
  const result = await cli(['hash', '--declared', file]);
  t.equal(result.code, 2, file);
  t.match(result.stderr, pattern);
  t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
  t.notMatch(result.stderr, /Maximum call stack|\n\s+at /);
}

t.test('duplicate keys in JSON are refused, as in YAML', async (t) => {
  const bootstrap = JSON.stringify(gatewayBootstrap());
  await refused(t, write('dup-top.json', bootstrap.replace(/^\{/, '{"static_resources": {}, ')), /dup-top\.json:1: invalid JSON \(key "static_resources" given twice in one object\)/);
  await refused(t, write('dup-escaped.json', '{"admin": {"a\\u0062": 1, "ab": 2}}'), /key "ab" given twice/);
  const ok = await cli(['hash', '--declared', write('same-key-two-objects.json', bootstrap)]);
  t.equal(ok.code, 0, 'the same key in different objects is fine');
});

t.test('nesting past the limit: JSON, YAML flow and YAML block', async (t) => {
  await refused(t, write('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`), /deep\.json:1: nested deeper than the limit of 1000 levels/);
  await refused(t, write('deep-flow.yaml', `metadata: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`), /deep-flow\.yaml: nested deeper than the limit of 1000 levels/);
  const block = Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  await refused(t, write('deep-block.yaml', `${block} 1\n`), /deep-block\.yaml: nested deeper than the limit of 1000 levels/);
});

t.test('a billion-laughs YAML names the file and the limit', async (t) => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  await refused(t, write('laughs.yaml', `${lines.join('\n')}\n`), /laughs\.yaml: YAML aliases expand past the limit of 1000/);
});

t.test('a folder of symlinks to itself is read once', async (t) => {
  const folder = join(dir, 'loops');
  mkdirSync(folder);
  writeFileSync(join(folder, 'bootstrap.yaml'), stringify(gatewayBootstrap()));
  for (let i = 0; i < 20; i++) symlinkSync('.', join(folder, `self-${i}`));
  const result = await cli(['hash', '--declared', folder]);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stderr.split('\n').filter((l) => /symlink loop/.test(l)).length, 20);
});

t.test('YAML duplicate keys are still refused, with their position, in one linear pass', async (t) => {
  await refused(t, write('dup.yaml', 'admin:\n  address: {}\nnode:\n  id: a\n  cluster: b\n  id: c\n'), /dup\.yaml:6:3: invalid YAML \(Map keys must be unique\)/);
  await refused(t, write('dup-nested.yaml', 'a:\n- b: 1\n  c: {x: 1, x: 2}\n'), /dup-nested\.yaml:3:13: invalid YAML \(Map keys must be unique\)/);
  const bootstrap = gatewayBootstrap() as Record<string, unknown>;
  delete bootstrap['node'];
  const text = `${stringify(bootstrap)}node:\n  <<: {id: a}\n  <<: {cluster: b}\n`;
  const merged = await cli(['hash', '--declared', write('merge.yaml', text)]);
  t.notMatch(merged.stderr, /must be unique/, 'merge keys are not duplicates');
});

/** `hash` in a child process whose heap is capped: an unbounded parse dies of "heap out of memory" instead of passing. */
async function hashWithHeapCap(file: string, heapMegabytes: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMegabytes}`, '--import', 'tsx', join(process.cwd(), 'src', 'cli', 'bin.ts'), 'hash', '--declared', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

t.test('one 20 MB string, double-quoted in YAML or in JSON, hashes within a 200 MB heap', async (t) => {
  // yaml alone built such a string as a rope of 20 million pieces (about 640 MB).
  const body = 'x'.repeat(20 * 1024 * 1024);
  const route = { name: 'r', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } } }] }] };
  const resources = { resources: [{ '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', ...route }] };
  const yaml = write('long-string.yaml', stringify(resources, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 0 }));
  const json = write('long-string.json', JSON.stringify(resources));
  const fromYaml = await hashWithHeapCap(yaml, 200);
  t.equal(fromYaml.code, 0, fromYaml.stderr.slice(0, 500));
  const fromJson = await hashWithHeapCap(json, 200);
  t.equal(fromJson.code, 0, fromJson.stderr.slice(0, 500));
  t.equal(fromYaml.stdout.replace(/long-string\.(yaml|json)/g, ''), fromJson.stdout.replace(/long-string\.(yaml|json)/g, ''), 'the same hashes from both');
});
