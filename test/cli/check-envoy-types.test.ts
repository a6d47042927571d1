import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadDeclared } from '../../src/declared/load-declared.js';
import { envoyRegistry } from '../../src/proto/envoy-registry.js';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli, checkJson } from '../helpers/cli.js';
import { startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let envoy: RunningEnvoy;
const dir = workdir(t, 'envoy-drift-types-');

t.before(async () => {
  envoy = await startEnvoy({ config: gatewayBootstrap() });
});
t.teardown(async () => {
  await envoy?.stop();
});

function hcmFilters(bootstrap: Record<string, any>): Array<Record<string, any>> {
  return bootstrap['static_resources'].listeners[0].filter_chains[0].filters[0].typed_config.http_filters;
}

t.test('the report names the Envoy API it decoded with', async (t) => {
  const declared = join(dir, 'envoy.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
  const { code, report } = await checkJson(envoy.admin, declared);
  t.equal(code, 0);
  t.match(report.api, { registry: '1.40', source: 'github.com/envoyproxy/go-control-plane/envoy@v1.40.0', proxy: report.proxy.version, proxyNewer: false });
  t.notOk(report.api?.warning, 'no warning for an Envoy of the same release');
  t.same(report.unknown, { fields: 0, types: {} }, 'nothing left undecoded');
});

t.test('an Envoy type the API does not have is a broken declaration: exit 2, one line with file and path', async (t) => {
  const bootstrap = gatewayBootstrap();
  const filters = hcmFilters(bootstrap);
  const index = filters.findIndex((f) => String(f['typed_config']?.['@type']).endsWith('ext_authz.v3.ExtAuthz'));
  filters[index]!['typed_config']['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuth';
  const declared = join(dir, 'typo.yaml');
  writeFileSync(declared, stringify(bootstrap));
  const run = await cli(['check', '--admin', envoy.admin, '--declared', declared]);
  t.equal(run.code, 2);
  const path = `/static_resources/listeners/0/filter_chains/0/filters/0/typed_config/http_filters/${index}/typed_config/@type`;
  t.equal(run.stderr.trim(), `envoy-drift check: ${declared}: ${path}: envoy.extensions.filters.http.ext_authz.v3.ExtAuth is not a type of Envoy 1.40's API`);
  t.equal(run.stdout, '', 'no report');
});

t.test('vendor extensions stay lenient and counted', async (t) => {
  const bootstrap = gatewayBootstrap() as Record<string, any>;
  const listener = bootstrap['static_resources'].listeners[0];
  // Istio's types: one in its own package, one that borrowed the envoy. prefix without a version.
  hcmFilters(bootstrap).unshift({ name: 'istio.alpn', typed_config: { '@type': 'type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig', alpn_override: [{ alpn_override: ['istio-http/1.1'] }] } });
  listener.filter_chains[0].filters.push({ name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', protocol: 'istio-peer-exchange' } });
  const declared = join(dir, 'vendor.yaml');
  writeFileSync(declared, stringify(bootstrap));
  const loaded = await loadDeclared(declared, envoyRegistry());
  if (!loaded.ok) throw loaded.error;
  t.same(loaded.value.set.stats.unknownTypes, {
    'envoy.tcp.metadataexchange.config.MetadataExchange': 1,
    'istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig': 1,
  });
});
