import t from 'tap';
import { readFileSync } from 'node:fs';
import { CanonicalCache } from '../../src/canonical/canonical-cache.js';
import { liveStateFromDump } from '../../src/envoy-admin/live-state.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { corpusFiles } from '../helpers/corpus.js';

const registry = envoyRegistry();
const dumpText = readFileSync(corpusFiles('config_dump').find((f) => f.includes('istio_proxyconfig'))!, 'utf8');

t.test('a repeated dump is served from the cache with identical hashes', async (t) => {
  const cache = new CanonicalCache();
  const first = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache);
  t.equal(cache.hits, 0);
  const misses = cache.misses;
  const second = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache);
  t.equal(cache.hits, misses, 'every message of the second dump was a hit');
  t.same([...second.set.resources.values()].map((r) => [r.key, r.hash]), [...first.set.resources.values()].map((r) => [r.key, r.hash]));
  t.same(second.set.stats, first.set.stats, 'unknown-field counts survive the cache');
  t.same(liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry).set.resources, first.set.resources, 'the same as without a cache');
});

t.test('the same dump with its keys in another order is served from the cache', async (t) => {
  // Envoy writes maps and Structs (the node's build metadata in every bootstrap) in no fixed order.
  const reordered = (): unknown => JSON.parse(dumpText, (_key, value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value));
  t.not(JSON.stringify(reordered()), JSON.stringify(JSON.parse(dumpText)), 'the text differs');
  const cache = new CanonicalCache();
  const first = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache);
  const misses = cache.misses;
  const second = liveStateFromDump({ dump: reordered(), admin: 'a' }, registry, cache);
  t.equal(cache.misses, misses, 'no message canonicalised again');
  t.same([...second.set.resources.values()].map((r) => [r.key, r.hash]), [...first.set.resources.values()].map((r) => [r.key, r.hash]));
});

t.test('a changed resource misses, and sweep forgets what the last check did not use', async (t) => {
  const cache = new CanonicalCache();
  liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache);
  cache.sweep();
  const size = cache.size;
  const changed = dumpText.replace('"connect_timeout": "0.250s"', '"connect_timeout": "0.300s"');
  t.not(changed, dumpText, 'the fixture has a connect_timeout to change');
  const missesBefore = cache.misses;
  liveStateFromDump({ dump: JSON.parse(changed), admin: 'a' }, registry, cache);
  t.ok(cache.misses > missesBefore, 'the changed cluster was canonicalised again');
  cache.sweep();
  t.equal(cache.size, size, 'the old form of the changed cluster was dropped');
});

t.test('a resource kept as a hash alone is served from the cache without a tree, and with one once it is needed', async (t) => {
  const cache = new CanonicalCache();
  const full = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry);
  const hashOnly = { value: (key: string) => key.startsWith('runtime/') };
  liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache, hashOnly);
  const misses = cache.misses;
  const second = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache, hashOnly);
  t.equal(cache.misses, misses, 'every message of the second dump was served from the cache');
  const treeless = [...second.set.resources.values()].filter((r) => !r.key.startsWith('runtime/'));
  t.ok(treeless.length > 10, 'the fixture has resources');
  t.ok(treeless.every((r) => r.value === undefined), 'no tree kept for a resource that needs none');
  t.same([...second.set.resources.values()].map((r) => [r.key, r.hash]), [...full.set.resources.values()].map((r) => [r.key, r.hash]), 'the same hashes as without a cache');
  const needed = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache);
  t.ok(cache.misses > misses, 'a message whose resources now need their trees is canonicalised again');
  t.same(needed.set.resources, full.set.resources, 'with every tree, as without a cache');
  const again = liveStateFromDump({ dump: JSON.parse(dumpText), admin: 'a' }, registry, cache, hashOnly);
  t.ok([...again.set.resources.values()].filter((r) => !r.key.startsWith('runtime/')).every((r) => r.value === undefined), 'trees cached since are not handed to a side that needs none');
});
