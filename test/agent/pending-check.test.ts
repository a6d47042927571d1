import t from 'tap';
import { PendingCheck } from '../../src/agent/pending-check.js';

t.test('the first reason stays until a check completes; a move sets the attribution', async (t) => {
  const pending = new PendingCheck();
  t.equal(pending.trigger, 'start');
  pending.ask('request');
  t.equal(pending.trigger, 'start');
  pending.moved('file change');
  t.same([pending.trigger, pending.attribution], ['start', 'file change']);
  pending.done();
  t.same([pending.trigger, pending.attribution], [undefined, 'unknown']);
  pending.moved('hot restart');
  t.equal(pending.trigger, 'change');
  pending.replace('snapshot', 'control-plane push');
  t.same([pending.trigger, pending.attribution], ['snapshot', 'control-plane push']);
  pending.replace('request');
  t.same([pending.trigger, pending.attribution], ['request', 'control-plane push'], 'a request keeps what moved the proxy');
});

t.test('the moved stats are kept only while a subscription change alone is owed', async (t) => {
  const pending = new PendingCheck();
  pending.moved('file change', ['cluster_manager.cds.update_success']);
  t.equal(pending.movedStats, undefined, 'the first check is a full one');
  pending.done();
  pending.moved('file change', ['cluster_manager.cds.update_success']);
  pending.moved('file change', ['listener_manager.lds.version']);
  t.same(pending.movedStats, ['cluster_manager.cds.update_success', 'listener_manager.lds.version'], 'what moved over several steps');
  pending.moved('proxy restart', ['cluster_manager.cds.update_success']);
  t.equal(pending.movedStats, undefined, 'a restart: a full check');
  pending.moved('file change', ['cluster_manager.cds.update_success']);
  t.equal(pending.movedStats, undefined, 'still a full check after the restart');
  pending.done();
  pending.moved('control-plane push', ['cluster_manager.cds.version']);
  pending.ask('full');
  t.equal(pending.movedStats, undefined, 'another reason: a full check');
});
