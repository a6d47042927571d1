import t from 'tap';
import { ProxyReachability } from '../../src/agent/proxy-reachability.js';
import { DriftError, ErrorCodes } from '../../src/errors.js';

t.test('unreachable once per outage, failures counted, cleared when it answers', async (t) => {
  const proxy = new ProxyReachability();
  t.equal(proxy.reachable, undefined);
  t.ok(proxy.failed(new DriftError(ErrorCodes.ADMIN_UNREACHABLE, 'refused')), 'the first failure is the event');
  t.notOk(proxy.failed(new DriftError(ErrorCodes.ADMIN_TIMEOUT, 'slow')), 'the second is not');
  t.equal(proxy.failures, 2);
  t.equal(proxy.lastError, 'slow');
  t.equal(proxy.reachable, false);
  proxy.answered();
  t.same([proxy.reachable, proxy.failures, proxy.lastError], [true, 0, undefined]);
  proxy.checkFailed(new DriftError(ErrorCodes.ADMIN_BAD_RESPONSE, 'cut short'));
  t.same([proxy.reachable, proxy.failures, proxy.lastError], [true, 0, 'cut short'], 'an unusable dump is no outage');
});
