import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli } from '../helpers/cli.js';
import { startEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

/*
 * No byte of a value under a sensitive field, or under a field whose name
 * looks like one, reaches any output: not through a schema error, a syntax
 * error, --debug, nor a misspelt field kept as unknown and shown as drift.
 */

const SECRET = 'S3CR3TVALUE0123456789abcdefghijklmnopqrstuvwxyz';
const dir = workdir(t, 'envoy-drift-secrets-');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every 6-byte piece of the secret: not even a fragment may show. */
function leaks(output: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 6 <= SECRET.length; i++) if (output.includes(SECRET.slice(i, i + 6))) found.push(SECRET.slice(i, i + 6));
  return found;
}

function withSecret(secret: Record<string, unknown>): Record<string, unknown> {
  const bootstrap = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  bootstrap['static_resources']['secrets'] = [{ name: 'hmac', ...secret }];
  return bootstrap;
}

t.test('schema errors under sensitive fields name the field, never the value', async (t) => {
  const cases = {
    'generic-secret.yaml': withSecret({ generic_secret: { secret: SECRET } }),
    'private-key.yaml': withSecret({ tls_certificate: { certificate_chain: { inline_string: 'x' }, private_key: SECRET } }),
    'ticket-keys.yaml': withSecret({ session_ticket_keys: { keys: [SECRET] } }),
  };
  for (const [name, value] of Object.entries(cases)) {
    for (const debug of [[], ['--debug']]) {
      const result = await cli(['hash', '--declared', write(name, stringify(value)), ...debug]);
      t.equal(result.code, 2, `${name}: refused`);
      t.match(result.stderr, /static_resources\/secrets\/0\//, `${name}: names the field`);
      t.same(leaks(result.stdout + result.stderr), [], `${name}${debug.length ? ' --debug' : ''}: no byte of the value`);
    }
  }
});

t.test('syntax errors do not quote the source, with or without --debug', async (t) => {
  const json = write('broken.json', `{"generic_secret": {"secret": {"inline_string": ${SECRET}}}}`);
  const unterminated = write('open.json', `{"private_key": "${SECRET}`);
  const yaml = write('dup.yaml', `secrets:\n- generic_secret:\n    secret:\n      inline_string: ${SECRET}\n      inline_string: ${SECRET}\n`);
  const yamlBad = write('bad.yaml', `private_key: "${SECRET}\n  : [ ${SECRET}\n`);
  for (const file of [json, unterminated, yaml, yamlBad]) {
    for (const debug of [[], ['--debug']]) {
      const result = await cli(['hash', '--declared', file, ...debug]);
      t.equal(result.code, 2);
      t.match(result.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}(:\\d+:\\d+)?: invalid (JSON|YAML)`));
      t.same(leaks(result.stdout + result.stderr), [], `${file}${debug.length ? ' --debug' : ''}`);
    }
  }
});

t.test('a misspelt sensitive field is redacted in check output like the field it misspells', async (t) => {
  const live = withSecret({ generic_secret: { secret: { inline_string: 'live-value' } } });
  const envoy = await startEnvoy({ config: live });
  t.teardown(() => envoy.stop());
  for (const misspelt of ['privat_key', 'secert', 'api_token', 'secrts', 'my_password']) {
    const declared = withSecret({ generic_secret: { secret: { inline_string: 'live-value' }, [misspelt]: { inline_string: SECRET } } });
    const file = write(`misspelt-${misspelt}.yaml`, stringify(declared));
    for (const format of ['text', 'json']) {
      const result = await cli(['check', '--admin', envoy.admin, '--declared', file, '--format', format]);
      t.not(result.code, 2, result.stderr);
      t.same(leaks(result.stdout + result.stderr), [], `${misspelt} (${format})`);
    }
  }
});

t.test('secret-looking keys in metadata: a change is found and named, the value never shown', async (t) => {
  const withMetadata = (apiKey: string): Record<string, unknown> => {
    const bootstrap = gatewayBootstrap() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    bootstrap['static_resources']['clusters'][0]['metadata'] = { filter_metadata: { auth: { api_key: apiKey, region: 'eu' } } };
    return bootstrap;
  };
  const envoy = await startEnvoy({ config: withMetadata(`live-${SECRET}`) });
  t.teardown(() => envoy.stop());
  const same = write('metadata-same.yaml', stringify(withMetadata(`live-${SECRET}`)));
  const changed = write('metadata-changed.yaml', stringify(withMetadata(`declared-${SECRET}`)));
  for (const format of ['text', 'json']) {
    const inSync = await cli(['check', '--admin', envoy.admin, '--declared', same, '--format', format]);
    t.equal(inSync.code, 0, `in sync (${format}): ${inSync.stderr}`);
    const drifted = await cli(['check', '--admin', envoy.admin, '--declared', changed, '--format', format]);
    t.equal(drifted.code, 1, `a changed api_key is drift (${format}): ${drifted.stderr}`);
    t.match(drifted.stdout, /filter_metadata\/auth\/api_key/, `named by its path (${format})`);
    t.same(leaks(drifted.stdout + drifted.stderr), [], `no byte of either value (${format})`);
  }
});
