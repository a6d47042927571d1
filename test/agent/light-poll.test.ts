import t from 'tap';
import { processIdentity, restartBetween, runtimeFingerprint } from '../../src/agent/light-poll.js';

t.test("the runtime's fingerprint ignores Envoy's key order, not a value", async (t) => {
  const a = '{"entries":{"x.y":{"layer_values":["1",""],"final_value":"1"},"a":{"final_value":"2","layer_values":["2",""]}},"layers":["static","admin"]}';
  const b = '{"layers":["static","admin"],"entries":{"a":{"layer_values":["2",""],"final_value":"2"},"x.y":{"final_value":"1","layer_values":["1",""]}}}';
  t.equal(runtimeFingerprint(a), runtimeFingerprint(b));
  t.not(runtimeFingerprint(a), runtimeFingerprint(a.replace('["1",""],"final_value":"1"', '["1","0"],"final_value":"0"')), 'an admin override');
  t.not(runtimeFingerprint(a), runtimeFingerprint(a.replace('"layers":["static","admin"]', '"layers":["static","disk","admin"]')), 'a layer');
  t.type(runtimeFingerprint('<html>'), 'string', 'not JSON still gives a fingerprint');
});

t.test('a process is known by its start time and hot-restart epoch', async (t) => {
  const info = (uptime: string, epoch = 0) => ({ uptime_current_epoch: uptime, command_line_options: { restart_epoch: epoch } });
  const first = processIdentity(info('100s'), 1_000_000);
  t.equal(restartBetween(first, processIdentity(info('130s'), 1_030_400)), undefined, 'the same process 30 s later (uptime in whole seconds)');
  t.equal(restartBetween(first, processIdentity(info('2s'), 1_030_000)), 'proxy restart');
  t.equal(restartBetween(first, processIdentity(info('2s', 1), 1_030_000)), 'hot restart');
  t.equal(restartBetween(undefined, first), undefined, 'nothing known before');
  t.equal(processIdentity('<html>'), undefined);
});
