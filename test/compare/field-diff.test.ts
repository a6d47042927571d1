import t from 'tap';
import { diffValues } from '../../src/compare/field-diff.js';
import type { JsonValue } from '../../src/canonical/canonical-json.js';

t.test('objects: one entry per changed leaf, absent sides left out', async (t) => {
  t.same(diffValues({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 }, d: true }), [
    { path: '/b/c', declared: 2, live: 3 },
    { path: '/d', live: true },
  ]);
  t.same(diffValues({ a: 1 }, { a: 1 }), []);
  t.same(diffValues({ 'a/b': 1 }, { 'a/b': 2 }), [{ path: '/a~1b', declared: 1, live: 2 }], 'JSON Pointer escaping');
});

t.test('named lists are aligned by name, and a reordering is reported once', async (t) => {
  const declared: JsonValue = [{ name: 'cors' }, { name: 'authz', x: 1 }, { name: 'router' }];
  t.same(diffValues(declared, [{ name: 'cors' }, { name: 'router' }]), [{ path: '/1', declared: { name: 'authz', x: 1 } }]);
  t.same(diffValues(declared, [{ name: 'cors' }, { name: 'authz', x: 2 }, { name: 'router' }]), [{ path: '/1/x', declared: 1, live: 2 }]);
  t.same(diffValues([{ name: 'a' }, { name: 'b' }], [{ name: 'b' }, { name: 'a' }]), [{ path: '/#order', declared: ['a', 'b'], live: ['b', 'a'] }]);
});

t.test('unnamed lists: one inserted element is one difference, not a shifted tail', async (t) => {
  const routes = [{ p: '/a' }, { p: '/b' }, { p: '/c' }];
  t.same(diffValues({ routes }, { routes: [{ p: '/a' }, { p: '/new' }, { p: '/b' }, { p: '/c' }] }), [{ path: '/routes/1', live: { p: '/new' } }]);
  t.same(diffValues({ routes }, { routes: [{ p: '/a' }, { p: '/c' }] }), [{ path: '/routes/1', declared: { p: '/b' } }]);
  t.same(diffValues({ routes }, { routes: [{ p: '/a' }, { p: '/B' }, { p: '/c' }] }), [{ path: '/routes/1/p', declared: '/b', live: '/B' }]);
});
