import t from 'tap';
import { withholdUserDataSecrets } from '../../src/compare/user-data-secrets.js';

const cluster = { type: 'cluster', name: 'payments' };

t.test('a changed value under a secret-looking metadata key is withheld on both sides', async (t) => {
  const [entry] = withholdUserDataSecrets(cluster, [{ path: '/metadata/filter_metadata/auth/api_key', declared: 'old-secret', live: 'new-secret' }]);
  t.same(entry, { path: '/metadata/filter_metadata/auth/api_key', declared: '[redacted]', live: '[redacted]' });
});

t.test('a metadata block added or removed keeps its shape, its secret-looking members withheld', async (t) => {
  const added = { auth: { api_key: 'k1', client_secret: 'k2', region: 'eu', nested: { password: 'k3' } }, 'envoy.lb': { canary: true } };
  const [entry] = withholdUserDataSecrets(cluster, [{ path: '/metadata/filter_metadata', live: added }]);
  t.same(entry?.live, { auth: { api_key: '[redacted]', client_secret: '[redacted]', region: 'eu', nested: { password: '[redacted]' } }, 'envoy.lb': { canary: true } });
  const [whole] = withholdUserDataSecrets(cluster, [{ path: '/', declared: { name: 'payments', metadata: { filter_metadata: added } } }]);
  t.same((whole?.declared as { metadata: { filter_metadata: { auth: { api_key: string } } } }).metadata.filter_metadata.auth.api_key, '[redacted]');
});

t.test('schema fields whose names contain "key" are not user data: their values stay visible', async (t) => {
  const paths = [
    { path: '/runtime_fraction/runtime_key', declared: 'routing.canary', live: 'routing.other' },
    { path: '/request_headers_to_add/0/header/key', declared: 'x-a', live: 'x-b' },
    { path: '/metadata/filter_metadata/envoy.lb/zone', declared: 'a', live: 'b' },
  ];
  t.same(withholdUserDataSecrets(cluster, paths), paths);
});

t.test('the static runtime layer is user data; a runtime key named like a secret is withheld whole', async (t) => {
  const [layer] = withholdUserDataSecrets({ type: 'bootstrap', name: 'bootstrap' }, [{ path: '/layered_runtime/layers/0/static_layer/auth.token', declared: 'a', live: 'b' }]);
  t.same(layer, { path: '/layered_runtime/layers/0/static_layer/auth.token', declared: '[redacted]', live: '[redacted]' });
  const [key] = withholdUserDataSecrets({ type: 'runtime', name: 'upstream.api_token' }, [{ path: '/admin_override', live: 'x' }]);
  t.same(key, { path: '/admin_override', live: '[redacted]' });
  const [plain] = withholdUserDataSecrets({ type: 'runtime', name: 'health_check.min_interval' }, [{ path: '/admin_override', live: 5 }]);
  t.same(plain, { path: '/admin_override', live: 5 });
});
