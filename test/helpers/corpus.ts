import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus of real Envoy configs lies beside the project (../shared/corpus). */
export const CORPUS_DIR = process.env['ENVOY_DRIFT_TEST_CORPUS'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'corpus');

export function corpusFiles(section: 'bootstrap' | 'config_dump'): string[] {
  const dir = join(CORPUS_DIR, section);
  if (!existsSync(dir)) throw new Error(`corpus not found at ${dir}: set ENVOY_DRIFT_TEST_CORPUS`);
  return readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(dir, f));
}
