import { readFile } from 'node:fs/promises';
import { CONTROL_PLANE_FLAGS, CONTROL_PLANE_USAGE, controlPlaneOptions } from '../control-plane-flags.js';
import type { ControlPlaneOptions } from '../../control-plane/control-plane-options.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import { fetchAdminAnswers, type AdminAnswers } from '../../envoy-admin/admin-answers.js';
import type { AdminClient } from '../../envoy-admin/admin-client.js';
import type { LiveState } from '../../envoy-admin/live-state.js';
import type { EnvoyRegistry } from '../../proto/envoy-registry.js';
import { durationSetting } from '../../common/duration.js';
import { DriftError, ErrorCodes } from '../../errors.js';
import { adminClient, parseFormat } from '../admin-and-format-flags.js';
import { parseCommandArgs, requireOption, type Command } from '../command.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'compare a live Envoy with its declaration, once (CI/CD)',
  usage: `
Usage: envoy-drift check --admin <url|unix:path> --declared <file|dir> [options]
       envoy-drift check --admin <url|unix:path> --control-plane <host:port> [--declared <file|dir>] [options]
       envoy-drift check --agent <url> [--token-file <file>] [--format ...]

Reads the proxy's admin API (config dump, runtime, server info), compares it
with the declaration and reports drift per service. With --control-plane the
control plane's current resources for the proxy's node are the declaration of
what the proxy gets over xDS; --declared then covers the bootstrap and static
resources.

Options:
  --admin <url|unix:path>   Envoy admin: http://127.0.0.1:9901, 127.0.0.1:9901 or unix:/path/admin.sock
  --declared <file|dir>     a bootstrap, xDS resource files, a snapshot folder or a lock file
  --service <name>          only this service (repeatable)
  --format text|json|junit  output format (default text; colour on a terminal unless NO_COLOR is set)
  --timeout <duration>      per admin request (default 10s)
  --warming-grace <dur>     report resources warming for longer than this (default 60s)
${CONTROL_PLANE_USAGE}
  --agent <url>             instead of --admin and --declared: ask the agent(s)
                            beside the proxies to check now (POST /v1/check); a
                            host name with several addresses (a headless
                            Service) checks every replica
  --token-file <file>       the agent's bearer token (else $ENVOY_DRIFT_AGENT_TOKEN)
  --debug                   show stack traces on errors

Durations take their unit: 500ms, 2s, 1.5m, 1h.
Exit codes: 0 in sync, 1 drift, 2 error.
`,
  async run(argv, io) {
    const { values } = parseCommandArgs('check', argv, {
      admin: { type: 'string' },
      declared: { type: 'string' },
      service: { type: 'string', multiple: true },
      format: { type: 'string' },
      timeout: { type: 'string' },
      'warming-grace': { type: 'string' },
      ...CONTROL_PLANE_FLAGS,
      agent: { type: 'string' },
      'token-file': { type: 'string' },
    });
    if (values['agent'] !== undefined) {
      const [{ checkThroughAgent, mergeReplicaReports, replicaUrls }, { writeReport }] = await Promise.all([import('../agent-check.js'), import('../shared.js')]);
      const format = parseFormat('check', values['format'] as string | undefined);
      const timeoutMs = durationSetting('--timeout', values['timeout'] as string | undefined, 60_000);
      const bearer = await agentToken(values['token-file'] as string | undefined, io.env);
      const replicas = await replicaUrls(values['agent'] as string);
      const reports = await Promise.all(replicas.map(async (replica) => ({ replica, report: await checkThroughAgent(replica, bearer, timeoutMs) })));
      return writeReport(mergeReplicaReports(reports), format, io);
    }
    const admin = requireOption('check', values['admin'] as string | undefined, '--admin');
    const format = parseFormat('check', values['format'] as string | undefined);
    const timeoutMs = durationSetting('--timeout', values['timeout'] as string | undefined, 10_000);
    const graceMs = durationSetting('--warming-grace', values['warming-grace'] as string | undefined, 60_000);
    const controlPlane = controlPlaneOptions(values, timeoutMs);
    const declaredPath = controlPlane ? (values['declared'] as string | undefined) : requireOption('check', values['declared'] as string | undefined, '--declared');
    const client = adminClient(admin, timeoutMs);
    try {
      const { declared, live } = await readBothSides(client, declaredPath, controlPlane, io);
      const [{ compareFromFlags, compareOptions, writeReport }, { withApiReport }] = await Promise.all([import('../shared.js'), import('../../compare/drift.js')]);
      const report = withApiReport(compareFromFlags(declared, live, compareOptions(values['service'] as string[] | undefined, graceMs)));
      return writeReport(report, format, io);
    } finally {
      await client.close();
    }
  },
};

/**
 * The declaration and the live state, read side by side. The parsed dump
 * lives only in this frame: the live side keeps no raw message and, of a
 * resource the declaration has with the same hash, only the hash, so the
 * dump and the trees of unchanged resources are garbage before the comparison.
 * A live resource whose canonical value is the declared one takes the declared
 * hash instead of being hashed again.
 */
async function readBothSides(client: AdminClient, declaredPath: string | undefined, controlPlane: ControlPlaneOptions | undefined, io: Parameters<Command['run']>[1]): Promise<{ declared: DeclaredSnapshot; live: LiveState }> {
  // Envoy serialises its dump (seconds for a large proxy) while the modules and the declaration are loaded here.
  const answers = fetchAdminAnswers(client);
  let answered = false;
  answers.then(() => (answered = true), () => (answered = true));
  const [{ loadDeclaredOrThrow }, { liveStateFromDump }, { envoyRegistry }] = await Promise.all([import('../shared.js'), import('../../envoy-admin/live-state.js'), import('../../proto/envoy-registry.js')]);
  // Nothing is remediated here: the declared messages as written need not be kept.
  const file = declaredPath !== undefined ? await loadDeclaredOrThrow(declaredPath, io, { keepSources: false }) : undefined;
  if (!answered) await collectGarbage();
  // Endpoints are in the dump only when asked for: a declaration that covers them needs another one.
  const includeEds = file?.set.coverage.has('endpoint') ?? false;
  const fetched = includeEds ? await fetchAdminAnswers(client, { includeEds }) : await answers;
  const declared = controlPlane ? await intentDeclaration(controlPlane, fetched, client, file, envoyRegistry()) : file!;
  const counterpart = (key: string) => declared.set.resources.get(key);
  const live = liveStateFromDump(fetched, envoyRegistry(), undefined, { sources: false, counterpart, value: (key, hash) => counterpart(key)?.hash !== hash });
  return { declared, live };
}

/**
 * A full garbage collection, run while Envoy is still rendering its dump, so
 * off the check's critical path: loading the declaration leaves tens of MB of
 * garbage and a grown young generation, which the parse of a large dump would
 * otherwise add to (peak RSS of a check of 10,000 clusters + 10,000 routes:
 * median 221 -> 206 MB, bench/README.md "Session 4"). V8 exposes `gc` only to
 * contexts created after the flag is set, hence the new context.
 */
async function collectGarbage(): Promise<void> {
  const [v8, vm] = await Promise.all([import('node:v8'), import('node:vm')]);
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // Node documents flags set after start as best effort: without the collection the check is the same, its peak higher.
  }
}

async function agentToken(file: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  let token = env['ENVOY_DRIFT_AGENT_TOKEN'];
  if (file !== undefined) {
    try {
      token = await readFile(file, 'utf8');
    } catch (error) {
      throw new DriftError(ErrorCodes.FILE_UNREADABLE, `--token-file ${file}: cannot read the token (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
  }
  if (!token?.trim()) throw new DriftError(ErrorCodes.USAGE, "--agent: the agent's POST /v1/check needs its token: --token-file or ENVOY_DRIFT_AGENT_TOKEN");
  // A header cannot carry a line break; say so without echoing the token.
  if (/[\r\n]/.test(token.trim())) throw new DriftError(ErrorCodes.USAGE, `${file ?? 'ENVOY_DRIFT_AGENT_TOKEN'}: the token must be one line`);
  return token.trim();
}

/** The control plane's intent for the proxy's node, with the files' bootstrap and static resources. Loaded only with --control-plane (gRPC). */
async function intentDeclaration(options: ControlPlaneOptions, answers: AdminAnswers, client: AdminClient, file: DeclaredSnapshot | undefined, registry: EnvoyRegistry): Promise<DeclaredSnapshot> {
  const [{ readIntent }, { declarationFromIntent }] = await Promise.all([import('../../control-plane/read-intent.js'), import('../../control-plane/intent-declaration.js')]);
  const intent = await readIntent(options, answers.dump, answers.serverInfo, client, registry);
  return declarationFromIntent(intent, registry, file);
}
