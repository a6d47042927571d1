import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAgentConfig } from '../../src/agent/agent-config.js';
import { agentRefuses } from '../helpers/agent.js';
import { workdir } from '../helpers/workdir.js';

function dir(t: { teardown(fn: () => unknown): void }): string {
  const path = workdir(t, 'envoy-drift-config-');
  return path;
}

t.test('flags win over the environment, which wins over the file, which wins over defaults', async (t) => {
  const d = dir(t);
  writeFileSync(join(d, 'agent.yaml'), 'admin: http://127.0.0.1:1\ndeclared: /file\ndataDir: /data\ninterval: 5s\ntimeout: 2s\n');
  const config = await loadAgentConfig({
    file: join(d, 'agent.yaml'),
    env: { ENVOY_DRIFT_INTERVAL: '3s', ENVOY_DRIFT_DECLARED: '/env', HOME: '/root' },
    flags: { declared: '/flag' },
  });
  t.match(config, { admin: 'http://127.0.0.1:1', declared: '/flag', dataDir: '/data', intervalMs: 3000, timeoutMs: 2000, listen: '127.0.0.1:9902', remediation: 'observe', fullCheckIntervalMs: 300_000, sinks: [], adminBudget: 0.005, dryRun: false });
  t.match(await loadAgentConfig({ env: { ENVOY_DRIFT_ADMIN_BUDGET: '0.5%', ENVOY_DRIFT_DRY_RUN: 'true' }, flags: { admin: 'a', declared: 'd', 'data-dir': 'x' } }), { adminBudget: 0.005, dryRun: true });
});

t.test('every origin names itself in errors', async (t) => {
  const d = dir(t);
  writeFileSync(join(d, 'agent.yaml'), 'admin: x\nintervall: 1s\n');
  await t.rejects(loadAgentConfig({ file: join(d, 'agent.yaml'), env: {}, flags: {} }), { code: 'ED_USAGE', message: /agent\.yaml: \/intervall: unknown setting "intervall"/ });
  writeFileSync(join(d, 'agent.yaml'), 'admin: x\ninterval: soon\n');
  await t.rejects(loadAgentConfig({ file: join(d, 'agent.yaml'), env: {}, flags: {} }), { message: /agent\.yaml: \/interval: must match pattern .* \(a duration such as 500ms, 1s, 5m\)/ });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_INTERVL: '1s' }, flags: {} }), { message: /environment ENVOY_DRIFT_INTERVL: unknown setting/ });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_REMEDIATION: 'fix' }, flags: {} }), { message: /environment ENVOY_DRIFT_REMEDIATION: must be equal to one of the allowed values \(observe, revert, approve\)/ });
  await t.rejects(loadAgentConfig({ env: {}, flags: { interval: '1 s' } }), { message: /--interval: must match pattern/ });
  await t.rejects(loadAgentConfig({ env: {}, flags: { 'admin-budget': '2' } }), { message: /--admin-budget: must match pattern .* \(a percentage such as 2%\)/ });
  await t.rejects(loadAgentConfig({ env: {}, flags: { admin: 'x', declared: 'y' } }), { message: /--data-dir \(or ENVOY_DRIFT_DATA_DIR, or "dataDir" in --config\) is required/ });
  writeFileSync(join(d, 'agent.yaml'), 'admin: x\nsinks:\n  - type: carrier-pigeon\n    name: p\n');
  await t.rejects(loadAgentConfig({ file: join(d, 'agent.yaml'), env: {}, flags: {} }), { code: 'ED_USAGE', message: /agent\.yaml: \/sinks/ });
});

t.test('the agent refuses bad start-up input with exit 2 and one line', async (t) => {
  const d = dir(t);
  writeFileSync(join(d, 'declared.yaml'), 'static_resources: {}\n');
  const base = ['--admin', 'http://127.0.0.1:1', '--declared', join(d, 'declared.yaml'), '--data-dir', join(d, 'data')];
  const cases: Array<[string[], RegExp]> = [
    [[...base, '--listen', '0.0.0.0:0'], /--listen 0\.0\.0\.0:0: binding a non-loopback address needs --token-file/],
    [[...base, '--listen', '127.0.0.1:0', '--token-file', join(d, 'missing')], /--token-file .*missing: cannot read \(ENOENT\)/],
    [['--admin', 'http://127.0.0.1:1', '--declared', join(d, 'nope.yaml'), '--data-dir', join(d, 'data'), '--listen', '127.0.0.1:0'], /nope\.yaml: no such file or folder/],
    [[...base, '--listen', 'anywhere'], /--listen anywhere: expected host:port or unix:\/path/],
    [[...base, '--frequency', '1s'], /Unknown option '--frequency'/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await agentRefuses(args);
    t.equal(code, 2, args.join(' '));
    t.match(stderr, message);
    t.equal(stderr.trim().split('\n').length, 1, 'one line');
  }
});
