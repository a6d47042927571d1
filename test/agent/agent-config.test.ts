import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentConfigSchema, loadAgentConfig } from '../../src/agent/agent-config.js';
import { manifestSchema } from '../../src/declared/manifest.js';
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
  t.match(config, { admin: 'http://127.0.0.1:1', declared: '/flag', dataDir: '/data', intervalMs: 3000, timeoutMs: 2000, listen: '127.0.0.1:9902', remediation: 'observe', fullCheckIntervalMs: 300_000, sinks: [], adminBudget: 0.005, dryRun: false, checkThread: 'auto' });
  t.match(await loadAgentConfig({ env: { ENVOY_DRIFT_ADMIN_BUDGET: '0.5%', ENVOY_DRIFT_DRY_RUN: 'true', ENVOY_DRIFT_CHECK_THREAD: 'worker' }, flags: { admin: 'a', declared: 'd', 'data-dir': 'x' } }), { adminBudget: 0.005, dryRun: true, checkThread: 'worker' });
  // The token of `check --agent` and `remediate` is not an agent setting, and not an unknown one either.
  t.match(await loadAgentConfig({ env: { ENVOY_DRIFT_AGENT_TOKEN: 't' }, flags: { admin: 'a', declared: 'd', 'data-dir': 'x' } }), { admin: 'a' });
});

t.test('every origin names itself in errors', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  writeFileSync(file, 'admin: x\nintervall: 1s\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_USAGE', message: `${file}: /intervall: unknown key` });
  writeFileSync(file, 'admin: x\ninterval: soon\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { message: `${file}: /interval: must be a duration with its unit, such as 500ms, 2s or 1m` });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_INTERVL: '1s' }, flags: {} }), { message: /^environment ENVOY_DRIFT_INTERVL: unknown setting/ });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_REMEDIATION: 'fix' }, flags: {} }), { message: 'environment ENVOY_DRIFT_REMEDIATION: must be one of observe, revert, approve' });
  await t.rejects(loadAgentConfig({ env: {}, flags: { 'check-thread': 'both' } }), { message: '--check-thread: must be one of auto, main, worker' });
  await t.rejects(loadAgentConfig({ env: {}, flags: { interval: '1 s' } }), { message: '--interval: must be a duration with its unit, such as 500ms, 2s or 1m' });
  await t.rejects(loadAgentConfig({ env: {}, flags: { 'admin-budget': '2' } }), { message: '--admin-budget: must be a percentage such as 2%' });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_DRY_RUN: 'yes' }, flags: {} }), { message: 'environment ENVOY_DRIFT_DRY_RUN: must be true or false (or 1 or 0)' });
  await t.rejects(loadAgentConfig({ env: {}, flags: { admin: 'x', declared: 'y' } }), { message: /--data-dir \(or ENVOY_DRIFT_DATA_DIR, or "dataDir" in --config\) is required/ });
  writeFileSync(file, 'admin: x\nsinks:\n  - type: carrier-pigeon\n    name: p\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_USAGE', message: `${file}: /sinks/0/type: must be one of syslog, splunk_hec, elasticsearch, webhook, stdout, file` });
  writeFileSync(file, '- admin\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_USAGE', message: `${file}: must be a map of settings` });
});

t.test('one pointer style in every section of the file: sinks, journal, remediation policy', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  const flags = { admin: 'a', declared: 'd', 'data-dir': 'x' };
  const cases: Array<[string, string]> = [
    ['sinks:\n  - {name: a, type: stdout}\n  - {name: Bad, type: stdout}\n', '/sinks/1/name: must match pattern'],
    ['sinks:\n  - {name: a, type: stdout}\n  - {name: a, type: stdout}\n', '/sinks/1/name: "a" is used by another sink'],
    ['sinks:\n  - {name: a, type: file, path: /p, backoff: {initialMs: 100, maxMs: 10}}\n', '/sinks/0/backoff/maxMs: is below initialMs'],
    ['journal:\n  maxBytes: 10\n', '/journal/maxBytes: must be >= 8192'],
    ['journal:\n  segmentBytes: 1048576\n  maxBytes: 1048576\n', '/journal/maxBytes: must hold at least two segments'],
    ['journal:\n  checkpoint: {every: 0}\n', '/journal/checkpoint/every: must be >= 1'],
    ['remediationPolicy:\n  windows:\n    - {allow: "0 9 * * *"}\n', '/remediationPolicy/windows/0/durationMinutes: is required'],
    ['remediationPolicy:\n  windows:\n    - {allow: "every day", durationMinutes: 5}\n', '/remediationPolicy/windows/0/allow: invalid cron expression'],
    ['remediationPolicy:\n  flap: {maxReverts: 0, windowSeconds: 10}\n', '/remediationPolicy/flap/maxReverts: must be >= 1'],
  ];
  for (const [text, message] of cases) {
    writeFileSync(file, text);
    const error = await loadAgentConfig({ file, env: {}, flags }).then(() => undefined, (e: Error) => e);
    t.ok(error?.message.startsWith(`${file}: /`) && error.message.includes(message), `${message} (got: ${error?.message})`);
  }
});

t.test('an unknown key inside a sink is named by its full pointer, beside the key it leaves missing', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  writeFileSync(file, 'admin: x\nsinks:\n  - {name: a, type: stdout}\n  - {name: b, type: stdout, colour: true}\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_USAGE', message: `${file}: /sinks/1/colour: unknown key` });
  writeFileSync(file, 'admin: x\njournal:\n  checkpoint: {every: 10, interval: 5}\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { message: `${file}: /journal/checkpoint/interval: unknown key` });
  writeFileSync(file, 'admin: x\nsinks:\n  - {name: s, type: splunk_hec, url: "https://s", token: s3cr3t-abc}\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { message: `${file}: /sinks/0/tokenFile: is required; /sinks/0/token: unknown key` });
});

t.test('a secret in a config value never reaches the error', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  const secret = 's3cr3t-abc';
  const texts = [
    `admin: x\nsinks:\n  - {name: s, type: splunk_hec, url: "https://s", token: ${secret}}\n`,
    `admin: x\ntoken: ${secret}\n`,
    `admin: x\nsinks:\n  - {name: s, type: splunk_hec, url: "https://s", tokenFile: [${secret}]}\n`,
    `admin: x\nremediationPolicy:\n  webhook: {url: "https://h", secret: ${secret}}\n`,
    `admin: x\ntokenFile: {value: ${secret}}\n`,
  ];
  for (const text of texts) {
    writeFileSync(file, text);
    const error = await loadAgentConfig({ file, env: {}, flags: {} }).then(() => undefined, (e: Error) => e);
    t.ok(error, text);
    t.notMatch(error?.message, secret, error?.message ?? 'no error');
  }
  for (const sources of [{ env: { ENVOY_DRIFT_TOKEN: secret }, flags: {} }, { env: { ENVOY_DRIFT_INTERVAL: secret }, flags: {} }, { env: {}, flags: { timeout: secret } }]) {
    const error = await loadAgentConfig(sources).then(() => undefined, (e: Error) => e);
    t.ok(error, JSON.stringify(sources));
    t.notMatch(error?.message, secret, error?.message ?? 'no error');
  }
});

t.test('config errors keep their cause', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_FILE_NOT_FOUND', cause: { code: 'ENOENT' } });
  writeFileSync(file, 'admin: [\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: {} }), { code: 'ED_PARSE', cause: { name: 'YAMLParseError' } });
  writeFileSync(file, 'remediationPolicy:\n  windows:\n    - {deny: "61 * * * *", durationMinutes: 5}\n');
  const error = await loadAgentConfig({ file, env: {}, flags: { admin: 'a', declared: 'd', 'data-dir': 'x' } }).then(() => undefined, (e: Error) => e);
  t.match(error, { code: 'ED_REMEDIATION_CONFIG', message: `${file}: /remediationPolicy/windows/0/deny: invalid cron expression "61 * * * *"` });
  t.type(error?.cause, Error, "the cron parser's error is the cause");
});

t.test('durations: a unit always, in the file, the environment and the flags alike', async (t) => {
  const d = dir(t);
  const file = join(d, 'agent.yaml');
  const required = { admin: 'a', declared: 'd', 'data-dir': 'x' };
  writeFileSync(file, 'interval: 1.5s\ntimeout: 250ms\nreminderInterval: 2h\nwarmingGrace: 1m\n');
  t.match(await loadAgentConfig({ file, env: {}, flags: required }), { intervalMs: 1500, timeoutMs: 250, reminderIntervalMs: 7_200_000, warmingGraceMs: 60_000 });
  writeFileSync(file, 'interval: 5\n');
  await t.rejects(loadAgentConfig({ file, env: {}, flags: required }), { message: `${file}: /interval: must be a duration with its unit, such as 500ms, 2s or 1m` });
  await t.rejects(loadAgentConfig({ env: { ENVOY_DRIFT_TIMEOUT: '5' }, flags: required }), { message: 'environment ENVOY_DRIFT_TIMEOUT: must be a duration with its unit, such as 500ms, 2s or 1m' });
  await t.rejects(loadAgentConfig({ env: {}, flags: { ...required, 'max-backoff': '30' } }), { message: '--max-backoff: must be a duration with its unit, such as 500ms, 2s or 1m' });
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

t.test('every object of the config schemas refuses unknown keys', async (t) => {
  const open: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((child, i) => visit(child, `${path}/${i}`));
    if (typeof node !== 'object' || node === null) return;
    const schema = node as Record<string, unknown>;
    // A discriminated union's own properties only name the tag; each branch is closed.
    if (schema['type'] === 'object' && !('discriminator' in schema) && schema['additionalProperties'] !== false) open.push(path || '/');
    for (const [key, child] of Object.entries(schema)) visit(child, `${path}/${key}`);
  };
  visit(agentConfigSchema, '#agent');
  visit(manifestSchema, '#manifest');
  t.same(open, []);
});
