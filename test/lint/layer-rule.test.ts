import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run lint` ends with `npm run lint:layers`: dependency-cruiser with
// .dependency-cruiser.cjs on src/. This runs that script's command on small
// trees to show that it fails when it should.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:layers']!;
const [bin, ...args] = script.split(' ');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** The violations the script prints (`error <rule>: <from> → <to>`, cycles on further lines), and its exit status. */
function cruise(t: Test, files: Record<string, string>): { status: number | null; violations: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-drift-layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const all = { 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }), ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  t.equal(bin, 'depcruise');
  const argv = args.map((arg) => (arg.startsWith('.dependency-cruiser') ? join(root, arg) : arg));
  const run = spawnSync(process.execPath, [depcruise, ...argv], { cwd: dir, encoding: 'utf8' });
  const violations = [...run.stdout.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map((m) => `${m[1]}: ${m[2]} -> ${m[3]}`).sort();
  return { status: run.status, violations };
}

t.test('imports downward and sideways within a folder pass', async (t) => {
  const result = cruise(t, {
    'src/errors.ts': 'export const E = 1;\n',
    'src/common/duration.ts': "import { E } from '../errors.js';\nexport const D = E;\n",
    'src/compare/compare.ts': "import { D } from '../common/duration.js';\nimport { F } from './field-diff.js';\nexport const C = D + F;\n",
    'src/compare/field-diff.ts': 'export const F = 2;\n',
    'src/cli/main.ts': "import { C } from '../compare/compare.js';\nexport const M = C;\n",
  });
  t.same(result.violations, []);
  t.equal(result.status, 0);
});

t.test('an import up the layers, a type-only cycle and an unlisted folder fail lint', async (t) => {
  const result = cruise(t, {
    'src/common/version.ts': "import { main } from '../cli/main.js';\nexport const version = main;\n",
    'src/cli/main.ts': 'export const main = 1;\n',
    'src/events/event.ts': "import type { Redacted } from './redact.js';\nexport interface Event { readonly r: Redacted }\n",
    'src/events/redact.ts': "import type { Event } from './event.js';\nexport type Redacted = Event[];\n",
    'src/helpers/misc.ts': "import { main } from '../cli/main.js';\nexport const misc = main;\n",
  });
  t.not(result.status, 0, 'non-zero exit');
  t.same(result.violations, [
    'layer-common: src/common/version.ts -> src/cli/main.ts',
    'layer-unknown-folder: src/helpers/misc.ts -> src/cli/main.ts',
    'no-circular: src/events/event.ts -> src/events/redact.ts',
  ]);
});

t.test('errors.ts is the bottom: it may not import src/common', async (t) => {
  const result = cruise(t, {
    'src/errors.ts': "import { D } from './common/duration.js';\nexport const E = D;\n",
    'src/common/duration.ts': 'export const D = 1;\n',
  });
  t.not(result.status, 0);
  t.same(result.violations, ['layer-errors: src/errors.ts -> src/common/duration.ts']);
});
