import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkJson } from '../helpers/cli.js';
import { CORPUS_DIR, corpusFiles } from '../helpers/corpus.js';
import { loopbackOnly, startEnvoy } from '../helpers/envoy.js';
import { isEnvoyTypeName } from '../../src/proto/envoy-namespaces.js';
import { workdir } from '../helpers/workdir.js';

/*
 * Zero false positives: every bootstrap of the shared corpus that Envoy can
 * start here, checked against itself as the declaration, is in sync. Files
 * that cannot start here are listed with the reason Envoy gives, so a change
 * in that is noticed too.
 */
const CANNOT_START: Record<string, string> = {
  'examples_fault-injection.yaml': '/srv/runtime/current',
  'gateway_bootstrap-render-enable-prometheus_NEEDS-SDS-FILES.yaml': '/sds/xds-certificate.json',
};

/** The certificates the NEEDS-CERTS examples read from certs/ under their working folder. */
function makeCerts(cwd: string): void {
  const certs = join(cwd, 'certs');
  mkdirSync(certs, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=envoy-drift-test', '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem')], { stdio: 'ignore' });
  for (const name of ['domain1', 'domain2']) {
    copyFileSync(join(certs, 'cert.pem'), join(certs, `${name}.crt.pem`));
    copyFileSync(join(certs, 'key.pem'), join(certs, `${name}.key.pem`));
  }
  copyFileSync(join(certs, 'cert.pem'), join(certs, 'clientcert.pem'));
  copyFileSync(join(certs, 'key.pem'), join(certs, 'clientkey.pem'));
  copyFileSync(join(certs, 'cert.pem'), join(certs, 'cacert.pem'));
}

for (const file of corpusFiles('bootstrap')) {
  const name = basename(file);
  t.test(name, async (t) => {
    const cwd = workdir(t, 'envoy-drift-corpus-');
    if (name.includes('NEEDS-CERTS')) makeCerts(cwd);
    const declared = join(cwd, `declared${name.endsWith('.json') ? '.json' : '.yaml'}`);
    const config = loopbackOnly(parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    writeFileSync(declared, name.endsWith('.json') ? JSON.stringify(config) : stringify(config));
    const expectedFailure = CANNOT_START[name];
    let envoy;
    try {
      envoy = await startEnvoy({ config: declared, cwd, waitForLive: false });
    } catch (error) {
      const message = (error as Error).message;
      // An older Envoy (scripts/envoy-versions.mjs) refuses fields and enum values added after it.
      const newerThanEnvoy = /has unknown fields|unknown enum value/.test(message);
      t.ok(expectedFailure ?? newerThanEnvoy, `Envoy could not start ${name}: ${message}`);
      if (expectedFailure) t.match(message, expectedFailure, 'fails for the known reason');
      return;
    }
    t.teardown(() => envoy.stop());
    t.notOk(expectedFailure, 'starts (update CANNOT_START if Envoy now accepts it)');
    const { code, report } = await checkJson(envoy.admin, declared);
    t.same(report.drift, [], 'no drift');
    t.equal(code, 0, 'exit 0');
    t.ok(report.services.length > 0, 'services were compared');
    // The registry carries this Envoy's API: nothing of its dump is left undecoded.
    t.equal(report.unknown.fields, 0, 'no unknown fields');
    t.same(Object.keys(report.unknown.types).filter(isEnvoyTypeName), [], 'no unknown Envoy types');
  });
}

t.test('filesystem xDS (dynamic-config-fs) declared as its folder of bootstrap and resource files', async (t) => {
  const source = join(CORPUS_DIR, 'bootstrap', 'dynamic-config-fs');
  const dir = workdir(t, 'envoy-drift-fsxds-');
  const bootstrap = parse(readFileSync(join(source, 'envoy.yaml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  bootstrap['dynamic_resources'].cds_config.path_config_source.path = join(dir, 'cds.yaml');
  bootstrap['dynamic_resources'].lds_config.path_config_source.path = join(dir, 'lds.yaml');
  writeFileSync(join(dir, 'envoy.yaml'), stringify(loopbackOnly(bootstrap)));
  copyFileSync(join(source, 'cds.yaml'), join(dir, 'cds.yaml'));
  const lds = parse(readFileSync(join(source, 'lds.yaml'), 'utf8')) as { resources: Array<Record<string, unknown>> };
  lds.resources = lds.resources.map((listener) => loopbackOnly({ static_resources: { listeners: [listener] } })['static_resources'] as { listeners: Array<Record<string, unknown>> }).map((r) => r.listeners[0]!);
  writeFileSync(join(dir, 'lds.yaml'), stringify(lds));
  const envoy = await startEnvoy({ config: join(dir, 'envoy.yaml'), cwd: dir });
  t.teardown(() => envoy.stop());

  const folder = await checkJson(envoy.admin, dir);
  t.same(folder.report.drift, [], 'the folder is in sync');
  t.ok(folder.report.services.find((s) => s.name === 'example_proxy_cluster'), 'the CDS cluster is its own service');

  const viaBootstrap = await checkJson(envoy.admin, join(dir, 'envoy.yaml'));
  t.same(viaBootstrap.report.drift, [], 'the bootstrap alone follows its path_config_source files');
});
