import t from 'tap';
import { statChange, type StatValues } from '../../src/agent/stats-poller.js';

const stats = (values: Record<string, number>): StatValues => ({ values: new Map(Object.entries(values)), at: 0, tookMs: 1 });
const base = { 'cluster_manager.cds.version': 1, 'runtime.load_success': 2, 'server.hot_restart_epoch': 0, 'http.admin.downstream_rq_total': 10 };

t.test('what moved says who changed the config', async (t) => {
  t.equal(statChange(undefined, stats(base), false), undefined, 'nothing to compare with yet');
  t.equal(statChange(stats(base), stats({ ...base, 'http.admin.downstream_rq_total': 11 }), false), undefined, "the admin's own counter is noise");
  t.match(statChange(stats(base), stats({ ...base, 'runtime.load_success': 3 }), false), { attribution: 'admin runtime override', moved: ['runtime.load_success'] });
  t.match(statChange(stats(base), stats({ ...base, 'cluster_manager.cds.version': 7 }), false), { attribution: 'control-plane push' });
  t.match(statChange(stats(base), stats({ ...base, 'cluster_manager.cds.version': 7 }), true), { attribution: 'file change' });
  t.match(statChange(stats(base), stats({ ...base, 'server.hot_restart_epoch': 1 }), false), { attribution: 'hot restart' });
  t.match(statChange(stats(base), stats(base), false, true), { attribution: 'proxy restart' });
});

t.test('a restart shows as server.uptime falling back', async (t) => {
  const { uptimeDropped } = await import('../../src/agent/stats-poller.js');
  t.ok(uptimeDropped(stats({ 'server.uptime': 15 }), stats({ 'server.uptime': 0 })));
  t.ok(uptimeDropped(stats({ 'server.uptime': 15 }), stats({})), 'not written yet in the new process');
  t.notOk(uptimeDropped(stats({ 'server.uptime': 15 }), stats({ 'server.uptime': 20 })));
  t.notOk(uptimeDropped(stats({}), stats({ 'server.uptime': 0 })), 'nothing known before');
  t.notOk(uptimeDropped(undefined, stats({ 'server.uptime': 0 })));
});
