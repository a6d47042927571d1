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
