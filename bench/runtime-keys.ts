// Time to load and hash a declaration whose runtime static_layer has N keys,
// against what the same YAML costs with yaml's own duplicate-key check (the
// parser option this tool used before: each key compared with every earlier
// one). Run: node --import tsx bench/runtime-keys.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadDeclared } from '../src/declared/load-declared.js';
import { resourceSetRoot } from '../src/resources/resource-set.js';
import { envoyRegistry } from '../src/proto/envoy-registry.js';

const work = mkdtempSync(join(tmpdir(), 'envoy-drift-runtime-keys-'));
const sizes = [10_000, 20_000, 40_000, 80_000];
const registry = envoyRegistry();

function document(keys: number): string {
  const lines = Array.from({ length: keys }, (_, i) => `      service_${i % 97}.feature_${i}.enabled: ${i % 2 === 0 ? 'true' : 'false'}\n`);
  return `layered_runtime:\n  layers:\n  - name: static\n    static_layer:\n${lines.join('')}`;
}

console.log(`runtime static_layer keys, node ${process.version}`);
console.log('keys      load+hash ms   µs/key   yaml uniqueKeys:true parse ms   µs/key');
for (const keys of sizes) {
  const text = document(keys);
  const path = join(work, `runtime-${keys}.yaml`);
  writeFileSync(path, text);
  const start = performance.now();
  const loaded = await loadDeclared(path, registry);
  if (!loaded.ok) throw loaded.error;
  resourceSetRoot(loaded.value.set);
  const ms = performance.now() - start;
  // The old parser setting, parse only (a lower bound of the old total), up to 40k keys: past that it takes minutes.
  let old = '';
  if (keys <= 40_000) {
    const oldStart = performance.now();
    parseDocument(text, { uniqueKeys: true, version: '1.2' });
    const oldMs = performance.now() - oldStart;
    old = `${String(Math.round(oldMs)).padStart(12)}   ${((oldMs * 1000) / keys).toFixed(1).padStart(6)}`;
  }
  console.log(`${String(keys).padEnd(9)} ${String(Math.round(ms)).padStart(12)}   ${((ms * 1000) / keys).toFixed(1).padStart(6)}   ${old}`);
}
rmSync(work, { recursive: true, force: true });
