import t from 'tap';
import { ChangeSignal, onlyRuntimeMoved } from '../../src/agent/change-signal.js';
import type { CheckSummary } from '../../src/agent/check-protocol.js';
import { ADMIN_REQUESTS, type StatValues } from '../../src/agent/stats-poller.js';

const stats = (values: Record<string, number>): StatValues => ({ values: new Map(Object.entries(values)), at: Date.now(), tookMs: 1 });
const summary = (processMarker: string | undefined, xdsFromFiles = false) => ({ xdsFromFiles, ...(processMarker ? { processMarker } : {}) }) as CheckSummary;

t.test('the runtime moved only against a fingerprint seen before', async (t) => {
  const signal = new ChangeSignal();
  t.notOk(signal.runtime('a'), 'the first poll is the baseline');
  t.notOk(signal.runtime('a'));
  t.ok(signal.runtime('b'));
});

t.test('the process: /server_info read at start and on a new connection; a new start time or epoch is a restart', async (t) => {
  const signal = new ChangeSignal();
  t.ok(signal.needsIdentity(false), 'no process known yet');
  t.equal(signal.identity({ startedAtMs: 1_000 }), undefined);
  t.notOk(signal.needsIdentity(false));
  t.ok(signal.needsIdentity(true));
  t.equal(signal.identity({ startedAtMs: 1_500 }), undefined, 'the uptime is in whole seconds');
  t.equal(signal.identity({ startedAtMs: 60_000 }), 'proxy restart');
  t.equal(signal.identity({ startedAtMs: 60_000, epoch: 1 }), 'hot restart');
});

t.test('stats: what moved, attributed by where the xDS comes from; the admin counter going back is a restart', async (t) => {
  const signal = new ChangeSignal();
  t.equal(signal.stats(stats({ [ADMIN_REQUESTS]: 10, 'cluster_manager.cds.version': 1 })), undefined);
  t.match(signal.stats(stats({ [ADMIN_REQUESTS]: 11, 'cluster_manager.cds.version': 2 })), { moved: ['cluster_manager.cds.version'], attribution: 'control-plane push' });
  signal.checked(summary(undefined, true), 'unknown');
  t.match(signal.stats(stats({ [ADMIN_REQUESTS]: 12, 'cluster_manager.cds.version': 3 })), { attribution: 'file change' });
  t.match(signal.stats(stats({ [ADMIN_REQUESTS]: 2, 'cluster_manager.cds.version': 3 })), { moved: [], attribution: 'proxy restart' });
});

t.test('a check whose process marker changed is a restart, unless it was a hot one', async (t) => {
  const signal = new ChangeSignal();
  t.equal(signal.checked(summary('m1'), 'unknown'), 'unknown');
  t.equal(signal.checked(summary('m1'), 'file change'), 'file change');
  t.equal(signal.checked(summary('m2'), 'file change'), 'proxy restart');
  t.equal(signal.checked(summary('m3'), 'hot restart'), 'hot restart');
  t.equal(signal.checked(summary(undefined), 'unknown'), 'unknown');
});

t.test('the runtime alone moved: /runtime, with at most the runtime counters a stats scan sees move with it', async (t) => {
  t.ok(onlyRuntimeMoved(['runtime']));
  t.ok(onlyRuntimeMoved(['runtime', 'runtime.admin_overrides_active', 'runtime.load_success']), 'a scan in the same step');
  t.notOk(onlyRuntimeMoved(['runtime.load_success']), 'the scan alone (the runtime poll did not see it): the full check');
  t.notOk(onlyRuntimeMoved(['runtime', 'cluster_manager.cds.version']), 'something else moved too');
  t.notOk(onlyRuntimeMoved(['server_info', 'runtime']), 'a restart');
});
