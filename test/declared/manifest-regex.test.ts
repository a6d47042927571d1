import t from 'tap';
import { parseManifest } from '../../src/declared/manifest.js';

/* A user's regex runs in linear time (RE2, Envoy's own engine): a catastrophic pattern cannot hang the tool. */

function service(regex: string) {
  return parseManifest({ apiVersion: 'envoy-drift/v1', kind: 'Manifest', services: [{ name: 'svc', resources: [{ regex }] }] }, 'manifest.yaml');
}

t.test('a catastrophic-backtracking pattern against a crafted name answers at once', async (t) => {
  const parsed = service('(a+)+$');
  if (!parsed.ok) throw parsed.error;
  const matches = parsed.value.services[0]!.matches;
  // Backtracking engines take 2^40 steps here; RE2 takes 41.
  t.equal(matches(`cluster/${'a'.repeat(40)}!`), false);
  t.equal(matches('cluster/aaa'), true);
});

t.test('a pattern RE2 cannot run in linear time is refused with the field named', async (t) => {
  const parsed = service('(a)\\1');
  t.equal(parsed.ok, false);
  if (!parsed.ok) t.match(parsed.error.message, /manifest\.yaml: .*services\/0\/resources\/0\/regex: invalid regular expression/);
});
