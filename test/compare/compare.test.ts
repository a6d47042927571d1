import t from 'tap';
import fc from 'fast-check';
import { hashValue } from '../../src/canonical/hash.js';
import { compare } from '../../src/compare/compare.js';
import { EMPTY_MANIFEST } from '../../src/declared/manifest.js';
import { liveStateFromDump, type LiveState } from '../../src/envoy-admin/live-state.js';
import { ErrorCodes } from '../../src/errors.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { ResourceSetBuilder, resourceSetRoot, type ResourceSet } from '../../src/resources/resource-set.js';
import type { Resource } from '../../src/resources/resource.js';
import { compareFromFlags } from '../../src/cli/shared.js';

const registry = envoyRegistry();
const declared = { set: new ResourceSetBuilder(registry).build(), manifest: EMPTY_MANIFEST, sources: ['test'], hashesOnly: false };
const live = liveStateFromDump({ dump: { configs: [] }, admin: 'replay', serverInfo: { version: 'abc/1.40.0/Clean/RELEASE/BoringSSL', state: 'LIVE' } }, registry);

t.test('an unknown service: the engine names the service, the command line the flag', async (t) => {
  t.throws(() => compare(declared, live, { services: ['nope'] }), { code: ErrorCodes.SERVICE_UNKNOWN, message: /^nope: no such service in the declaration or on the proxy/ });
  t.throws(() => compareFromFlags(declared, live, { services: ['nope'] }), { code: ErrorCodes.USAGE, message: /^--service nope: no such service/ });
});

/*
 * A section re-check hands compare() the resource objects of the last check
 * for everything it did not read again, and compare keeps per-object results
 * (a one-resource service's root): over random changes, a comparison of kept
 * objects must be the one a comparison of fresh copies gives.
 */
t.test('a comparison of the objects a re-check kept is the one of fresh copies', async (t) => {
  const now = new Date('2026-12-02T00:00:00Z');
  const cluster = (i: number, timeout: string): Resource => {
    const value = { name: `svc-${i}`, connect_timeout: timeout };
    return { type: 'cluster', name: `svc-${i}`, key: `cluster/svc-${i}`, hash: hashValue(value), value };
  };
  const setOf = (resources: Iterable<Resource>): ResourceSet => ({
    resources: new Map([...resources].map((r) => [r.key, r])),
    coverage: new Set(['cluster'] as const),
    conditions: [],
    sources: new Map(),
    stats: { unknownFields: 0, unknownTypes: {}, redactedFields: 0 },
  });
  const liveOf = (set: ResourceSet): LiveState => ({ proxy: { admin: 'test' }, set, notCompared: [] });
  const timeout = fc.constantFrom('1s', '2s', '3s');
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(20), timeout), { maxLength: 20 }),
    // Each step sets or removes (null) a few clusters on the live side.
    fc.array(fc.array(fc.tuple(fc.nat(20), fc.option(timeout)), { maxLength: 6 }), { minLength: 1, maxLength: 6 }),
    (declaredList, steps) => {
      const declaredSnapshot = { ...declared, set: setOf(declaredList.map(([i, to]) => cluster(i, to))) };
      let live = new Map([...declaredSnapshot.set.resources].map(([key, r]) => [key, { ...r }]));
      for (const step of steps) {
        live = new Map(live);
        for (const [i, to] of step) {
          if (to === null) live.delete(`cluster/svc-${i}`);
          else live.set(`cluster/svc-${i}`, cluster(i, to));
        }
        const liveSet = setOf(live.values());
        const kept = compare(declaredSnapshot, liveOf(liveSet), { now });
        const fresh = compare(structuredClone(declaredSnapshot), liveOf(setOf([...live.values()].map((r) => structuredClone(r)))), { now });
        if (JSON.stringify(kept) !== JSON.stringify(fresh)) return false;
        // Each service is one cluster: its roots, hashed here from scratch.
        const root = (set: ResourceSet, key: string) => resourceSetRoot(set, set.resources.has(key) ? [key] : []);
        if (!kept.services.every((service) => service.declaredRoot === root(declaredSnapshot.set, `cluster/${service.name}`) && service.liveRoot === root(liveSet, `cluster/${service.name}`))) return false;
      }
      return true;
    },
  ), { numRuns: 200 });
  t.pass('200 random change sequences: the same report');
});
