import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workdir } from '../helpers/workdir.js';

// `npm run lint` ends with `npm run lint:layers`: dependency-cruiser with
// .dependency-cruiser.cjs on src/. This runs that script's command on small
// trees to show that it fails when it should.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['lint:layers']!;
const [bin, ...args] = script.split(' ');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** The violations the script prints (`error <rule>: <from> → <to>`, cycles on further lines), and its exit status. */
function cruise(t: Test, files: Record<string, string>): { status: number | null; violations: string[] } {
  const dir = workdir(t, 'envoy-drift-layers-');
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

t.test('imports down the layers and within a folder pass; up the layers, in a cycle or from an unlisted folder they fail', async (t) => {
  const result = cruise(t, {
    // allowed: down the layers, sideways within a folder
    'src/common/duration.ts': "import { E } from '../errors.js';\nexport const D = E;\n",
    'src/compare/compare.ts': "import { D } from '../common/duration.js';\nimport { F } from './field-diff.js';\nexport const C = D + F;\n",
    'src/compare/field-diff.ts': 'export const F = 2;\n',
    'src/cli/main.ts': "import { C } from '../compare/compare.js';\nexport const main = C;\n",
    // refused: up the layers (errors.ts is below common), a type-only cycle, a folder with no layer
    'src/errors.ts': "import { plural } from './common/plural.js';\nexport const E = plural;\n",
    'src/common/plural.ts': 'export const plural = 1;\n',
    'src/common/version.ts': "import { main } from '../cli/main.js';\nexport const version = main;\n",
    'src/events/event.ts': "import type { Redacted } from './redact.js';\nexport interface Event { readonly r: Redacted }\n",
    'src/events/redact.ts': "import type { Event } from './event.js';\nexport type Redacted = Event[];\n",
    'src/helpers/misc.ts': "import { main } from '../cli/main.js';\nexport const misc = main;\n",
  });
  t.not(result.status, 0, 'non-zero exit');
  t.same(result.violations, [
    'layer-common: src/common/version.ts -> src/cli/main.ts',
    'layer-errors: src/errors.ts -> src/common/plural.ts',
    'layer-unknown-folder: src/helpers/misc.ts -> src/cli/main.ts',
    'no-circular: src/events/event.ts -> src/events/redact.ts',
  ]);
});
