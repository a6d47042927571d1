import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { gatewayBootstrap } from '../fixtures/gateway-bootstrap.js';
import { cli, checkJson } from '../helpers/cli.js';
import { adminPost, startEnvoy, type RunningEnvoy } from '../helpers/envoy.js';
import { workdir } from '../helpers/workdir.js';

const run = promisify(execFile);
let envoy: RunningEnvoy;
const dir = workdir(t, 'envoy-drift-cli-');
let declared: string;

t.before(async () => {
  envoy = await startEnvoy({ config: gatewayBootstrap() });
  declared = join(dir, 'envoy.yaml');
  writeFileSync(declared, stringify(gatewayBootstrap()));
});
t.teardown(async () => {
  await envoy?.stop();
});

t.test('text output: a per-service summary, coloured only on request', async (t) => {
  const plain = await cli(['check', '--admin', envoy.admin, '--declared', declared], { NO_COLOR: '1', FORCE_COLOR: '1' });
  t.equal(plain.code, 0);
  t.match(plain.stdout, /^in sync: 6 services match their declaration/);
  t.match(plain.stdout, /✓ payments/);
  t.notMatch(plain.stdout, /\u001b\[/, 'NO_COLOR wins');
  const coloured = await cli(['check', '--admin', envoy.admin, '--declared', declared], { FORCE_COLOR: '1' });
  t.match(coloured.stdout, /\u001b\[32m/);
});

t.test('json output follows the documented contract', async (t) => {
  const { code, report } = await checkJson(envoy.admin, declared);
  t.equal(code, 0);
  t.match(report, { inSync: true, proxy: { nodeId: 'test-node', cluster: 'test-cluster', version: /^1\.\d+\.\d+$/, declaredRoot: /^[0-9a-f]{64}$/ }, drift: [] });
  t.equal(report.proxy.declaredRoot, report.proxy.liveRoot, 'the roots agree when in sync');
  t.same(report.services.map((s) => s.name), ['_proxy', 'authz', 'catalog', 'payments', 'payments-canary', 'reports']);
});

t.test('drift: exit 1, --service scoping and JUnit', async (t) => {
  await adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled=false');
  t.teardown(() => adminPost(envoy.admin, '/runtime_modify?payments.feature_x.enabled'));
  const all = await checkJson(envoy.admin, declared);
  t.equal(all.code, 1);
  t.match(all.report.drift, [{ service: '_proxy', kind: 'modified', resourceType: 'runtime', name: 'payments.feature_x.enabled', paths: [{ path: '/admin_override', live: 'false' }] }]);
  t.not(all.report.proxy.declaredRoot, all.report.proxy.liveRoot);

  const scoped = await checkJson(envoy.admin, declared, ['--service', 'payments']);
  t.equal(scoped.code, 0, 'the payments service itself is in sync');
  t.same(scoped.report.services.map((s) => s.name), ['payments']);

  const junit = await cli(['check', '--admin', envoy.admin, '--declared', declared, '--format', 'junit']);
  t.equal(junit.code, 1);
  t.match(junit.stdout, /<testsuites name="envoy-drift" tests="6" failures="1">/);
  t.match(junit.stdout, /<testcase classname="envoy-drift.test-node" name="_proxy">\s*<failure message="1 drifted resources \(medium\)" type="drift">/);
  t.match(junit.stdout, /<testcase classname="envoy-drift.test-node" name="payments"><\/testcase>/);
});

t.test('errors: exit 2 and one line naming the file, field or address', async (t) => {
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, stringify({ static_resources: { clusters: [{ name: 'a', connect_timeout: 'soon' }] } }));
  const cases: Array<[string[], RegExp]> = [
    [['check', '--admin', envoy.admin, '--declared', broken], /broken\.yaml: \/static_resources\/clusters\/0\/connect_timeout: "soon" is not a valid duration/],
    [['check', '--admin', envoy.admin, '--declared', join(dir, 'missing.yaml')], /missing\.yaml: no such file or folder/],
    [['check', '--admin', 'http://127.0.0.1:1', '--declared', declared, '--timeout', '2s'], /Envoy admin http:\/\/127\.0\.0\.1:1\/.*unreachable/],
    [['check', '--declared', declared], /--admin is required/],
    [['check', '--admin', envoy.admin, '--declared', declared, '--format', 'xml'], /--format must be one of text, json, junit/],
    [['hash', '--declared', declared, '--format', 'junit'], /^envoy-drift hash: --format must be one of text, json, not "junit" \(see envoy-drift hash --help\)$/m],
    // The command is named once, by the prefix.
    [['check', '--declared', declared], /^envoy-drift check: --admin is required \(see envoy-drift check --help\)$/m],
    [['check', '--admin', envoy.admin, '--declared', declared, '--format', 'xml'], /^envoy-drift check: --format must be one of text, json, junit, not "xml"/m],
    [['snapshot', '--admin', envoy.admin, '--nope'], /^envoy-drift snapshot: Unknown option '--nope'/m],
    [['check', '--admin', envoy.admin, '--declared', declared, '--service', 'nope'], /--service nope: no such service/],
    [['check', '--admin', envoy.admin, '--declared', declared, '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command "frobnicate"/],
    // Durations take their unit on the command line as in the agent's config: a bare number is refused.
    [['check', '--admin', envoy.admin, '--declared', declared, '--timeout', '5'], /^envoy-drift check: --timeout: must be a duration with its unit, such as 500ms, 2s or 1m$/m],
    [['check', '--admin', envoy.admin, '--declared', declared, '--warming-grace', '1 m'], /^envoy-drift check: --warming-grace: must be a duration with its unit/m],
    [['check', '--admin', envoy.admin, '--control-plane', '127.0.0.1:1', '--stale-grace', '30'], /^envoy-drift check: --stale-grace: must be a duration with its unit/m],
    [['snapshot', '--admin', envoy.admin, '--out', join(dir, 'never'), '--timeout', '10'], /^envoy-drift snapshot: --timeout: must be a duration with its unit/m],
  ];
  for (const [args, message] of cases) {
    const result = await cli(args);
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, message);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  const debug = await cli(['check', '--admin', envoy.admin, '--declared', broken, '--debug']);
  t.match(debug.stderr, /\n\s+at /, '--debug shows the stack');
});

t.test('--help for every command', async (t) => {
  for (const command of ['check', 'snapshot', 'diff', 'hash']) {
    const result = await cli([command, '--help']);
    t.equal(result.code, 0);
    t.match(result.stdout, new RegExp(`^Usage: envoy-drift ${command}`));
  }
  const top = await cli(['--help']);
  t.match(top.stdout, /Exit codes: 0 in sync, 1 drift, 2 error/);
});

t.test('the bin entry runs as its own process with the same exit codes', async (t) => {
  const bin = join(process.cwd(), 'src', 'cli', 'bin.ts');
  const ok = await run(process.execPath, ['--import', 'tsx', bin, 'check', '--admin', envoy.admin, '--declared', declared], { env: { ...process.env, NO_COLOR: '1' } });
  t.match(ok.stdout, /in sync/);
  const failed = await run(process.execPath, ['--import', 'tsx', bin, 'check', '--admin', envoy.admin, '--declared', join(dir, 'none.yaml')]).catch((error: { code: number; stderr: string }) => error);
  t.match(failed, { code: 2, stderr: /none\.yaml: no such file or folder\n$/ });
});
