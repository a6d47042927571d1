import t from 'tap';
import { liveStateFromDump, liveStateWithRuntime, type LiveState } from '../../src/envoy-admin/live-state.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';

/*
 * A check of the runtime alone (issue 9) must give the same live state as a
 * full read of the dump with the same /runtime answer: overrides added,
 * changed and taken off again, on keys with and without a static value.
 */

const registry = envoyRegistry();
const bootstrap = { admin: {}, layered_runtime: { layers: [{ name: 'static', static_layer: { a: 1, b: 'x' } }, { name: 'admin', admin_layer: {} }] } };
const dump = { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap }] };

function runtime(overrides: Record<string, string>): unknown {
  const entries: Record<string, unknown> = {
    a: { final_value: overrides['a'] ?? '1', layer_values: ['1', overrides['a'] ?? ''] },
    b: { final_value: 'x', layer_values: ['x', ''] },
  };
  for (const [key, value] of Object.entries(overrides)) if (!(key in entries)) entries[key] = { final_value: value, layer_values: ['', value] };
  return { layers: ['static', 'admin'], entries };
}

const full = (overrides: Record<string, string>): LiveState => liveStateFromDump({ dump, runtime: runtime(overrides), admin: 'test' }, registry);
const hashes = (live: LiveState): Array<[string, string]> => [...live.set.resources.values()].map((r): [string, string] => [r.key, r.hash]).sort();

t.test('the runtime re-read alone matches a full read', async (t) => {
  let live = full({ a: '2', c: '9' });
  const steps: Array<Record<string, string>> = [{}, { a: '3', c: '9' }, { c: '8' }, { a: '2', c: '9', d: 'on' }, {}];
  for (const overrides of steps) {
    live = liveStateWithRuntime(live, runtime(overrides), registry);
    t.same(hashes(live), hashes(full(overrides)), `overrides ${JSON.stringify(overrides)}`);
  }
});
