import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { chartDir } from './helm.js';

// A value is documented by a comment starting with `-- ` right above its key.
// A map without one is a section: each of its keys is documented instead.
interface DocumentedValue {
  readonly key: string;
  readonly defaultJson: string;
  readonly description: string;
}

function documentedValues(text: string): { documented: DocumentedValue[]; undocumented: string[] } {
  const documented: DocumentedValue[] = [];
  const undocumented: string[] = [];
  const walk = (map: YAMLMap, prefix: string, inheritedComment: string | undefined): void => {
    map.items.forEach((pair, i) => {
      const key = prefix + String(isScalar(pair.key) ? pair.key.value : pair.key);
      // yaml attaches the comment above a map's first key to the map itself.
      const own = isScalar(pair.key) ? (pair.key.commentBefore ?? '') : '';
      const comment = i === 0 && inheritedComment ? `${inheritedComment}\n${own}` : own;
      const at = comment.search(/^ ?-- /m);
      if (at >= 0) {
        const description = comment
          .slice(at)
          .split('\n')
          .map((line) => line.trim())
          .join(' ')
          .replace(/^-- /, '')
          .trim()
          .replaceAll('|', '\\|');
        const value = pair.value as { toJSON?: () => unknown } | null;
        documented.push({ key, defaultJson: JSON.stringify(value?.toJSON ? value.toJSON() : value), description });
      } else if (isMap(pair.value)) {
        walk(pair.value, `${key}.`, pair.value.commentBefore ?? undefined);
      } else {
        undocumented.push(key);
      }
    });
  };
  const contents = parseDocument(text).contents;
  if (!isMap(contents)) throw new Error('values.yaml is not a map');
  walk(contents, '', undefined);
  return { documented, undocumented };
}

const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');

t.test('every value in values.yaml carries a `-- ` comment', async (t) => {
  const { documented, undocumented } = documentedValues(valuesText);
  t.same(undocumented, []);
  t.ok(documented.length > 50, `${documented.length} values documented`);
});

t.test('the README values table is values.yaml: same keys, defaults and descriptions, in order', async (t) => {
  const expected = documentedValues(valuesText).documented.map((v) => `| \`${v.key}\` | \`${v.defaultJson}\` | ${v.description} |`);
  const table = readme.slice(readme.indexOf('| Key | Default | Description |'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  t.same(rows, expected);
});

t.test('the sync check notices a value missing from the README', async (t) => {
  const extra = `${valuesText}\n# -- A value the README does not list.\nundocumentedInReadme: 1\n`;
  const rows = documentedValues(extra).documented.map((v) => v.key);
  t.ok(rows.includes('undocumentedInReadme'));
  t.notOk(readme.includes('`undocumentedInReadme`'));
  const bare = documentedValues(`${valuesText}\nproxy2:\n  bare: 1\n`);
  t.same(bare.undocumented, ['proxy2.bare'], 'and a value without a comment');
});
