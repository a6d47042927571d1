import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * README's "Layout" section against the tree: every folder of src/ (two
 * levels deep) has its line, every path it names exists, and a folder whose
 * modules are listed one a line has all of them listed.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = /^## Layout\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const folderLine = /^(src\/\S*)\s/;
const moduleLine = /^ {2}(\S+\.ts)\s/;

const folders = new Set<string>();
const modules = new Map<string, string[]>();
let current = '';
for (const line of block.split('\n')) {
  const folder = folderLine.exec(line)?.[1];
  if (folder) {
    current = folder;
    folders.add(folder);
    continue;
  }
  const module = moduleLine.exec(line)?.[1];
  if (module) modules.set(current, [...(modules.get(current) ?? []), module]);
}

/** `src/x/` style paths of the folders in `dir`, a path relative to the root. */
function subfolders(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${join(dir, e.name)}/`);
}

t.ok(block.length > 0, 'README has a Layout section with the tree');

t.test('every folder of src/ has its line', async (t) => {
  const tree = subfolders('src').flatMap((dir) => [dir, ...subfolders(dir)]);
  for (const dir of tree) t.ok(folders.has(dir), `${dir} is in README's Layout`);
});

t.test('every path the section names exists', async (t) => {
  for (const folder of folders) t.ok(existsSync(join(root, folder)), `${folder} exists`);
  for (const [folder, names] of modules) for (const name of names) t.ok(existsSync(join(root, folder, name)), `${folder}${name} exists`);
});

t.test('a folder listed module by module lists all its modules', async (t) => {
  for (const [folder, names] of modules) {
    const files = readdirSync(join(root, folder)).filter((name) => name.endsWith('.ts'));
    t.same(files.filter((name) => !names.includes(name)), [], `every module of ${folder} has its line`);
  }
});
