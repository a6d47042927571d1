import t from 'tap';
import { PollCost } from '../../src/agent/poll-cost.js';

t.test('a lone outlier does not move the usual cost; a lasting change does', async (t) => {
  const cost = new PollCost(5);
  t.equal(cost.ms, 0, 'nothing known yet');
  for (const ms of [10, 12, 11, 10]) cost.record(ms);
  cost.record(20_000);
  t.equal(cost.ms, 11, 'a 20 s answer among 10 ms ones');
  cost.record(10);
  t.equal(cost.ms, 11, 'the window keeps the last five');
  for (const ms of [70, 72, 71]) cost.record(ms);
  t.equal(cost.ms, 71, 'a proxy that got slower for good is followed within three polls');
  cost.record(Number.NaN);
  cost.record(-1);
  t.equal(cost.ms, 71, 'nonsense is ignored');
});
