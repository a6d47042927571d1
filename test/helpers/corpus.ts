import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus of real Envoy configs lies beside the project (../shared/corpus). */
export const CORPUS_DIR = process.env['ENVOY_DRIFT_TEST_CORPUS'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'corpus');

/** One line saying what is missing, or undefined when the corpus is there. */
export function corpusMissing(): string | undefined {
  for (const section of ['bootstrap', 'config_dump']) {
    const dir = join(CORPUS_DIR, section);
    if (!existsSync(dir)) {
      return process.env['ENVOY_DRIFT_TEST_CORPUS'] !== undefined
        ? `${dir} not found: ENVOY_DRIFT_TEST_CORPUS must name the shared corpus folder`
        : `${dir} not found: clone the shared folder beside the project (../shared/corpus), or set ENVOY_DRIFT_TEST_CORPUS`;
    }
  }
  return undefined;
}

export function corpusFiles(section: 'bootstrap' | 'config_dump'): string[] {
  const missing = corpusMissing();
  if (missing) throw new Error(missing);
  const dir = join(CORPUS_DIR, section);
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(dir, f));
}
