import t from 'tap';
import { matchesPath, parsePathPattern, type PathPattern } from '../../src/declared/path-pattern.js';

function pattern(text: string): PathPattern {
  const parsed = parsePathPattern(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

t.test('literal, wildcard and deep segments', async (t) => {
  t.ok(matchesPath(pattern('/circuit_breakers/thresholds/*/max_connections'), '/circuit_breakers/thresholds/0/max_connections', []));
  t.notOk(matchesPath(pattern('/circuit_breakers/thresholds/*/max_connections'), '/circuit_breakers/thresholds/0/max_requests', []));
  t.ok(matchesPath(pattern('/load_assignment/**'), '/load_assignment/endpoints/0/lb_endpoints/0', []));
  t.ok(matchesPath(pattern('/**/port_value'), '/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address/port_value', []));
  t.ok(matchesPath(pattern('/'), '/anything', []), 'the root matches the whole resource');
  t.ok(matchesPath(pattern('/outlier_detection'), '/outlier_detection/interval', []), 'a prefix matches what is below it');
});

t.test('[key=value] selects a list element on either side', async (t) => {
  const declared = { http_filters: [{ name: 'cors' }, { name: 'router' }] };
  const live = { http_filters: [{ name: 'cors', x: 1 }, { name: 'lua' }, { name: 'router' }] };
  const rule = pattern('/http_filters/[name=lua]');
  t.ok(matchesPath(rule, '/http_filters/1', [declared, live]), 'added on the live side');
  t.notOk(matchesPath(rule, '/http_filters/0/x', [declared, live]));
  t.ok(matchesPath(pattern('/http_filters/[name=cors]/x'), '/http_filters/0/x', [declared, live]));
});

t.test('malformed patterns are refused', async (t) => {
  t.type(parsePathPattern('no-slash'), 'string');
  t.type(parsePathPattern('/a/[noequals]'), 'string');
});
