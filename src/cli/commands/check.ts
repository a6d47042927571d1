import { fetchAdminAnswers, liveStateFromDump, readLiveState } from '../../envoy-admin/live-state.js';
import { envoyRegistry } from '../../proto/envoy-registry.js';
import { parseCommandArgs, requireOption, type Command } from '../command.js';
import { adminClient, compare, compareOptions, loadDeclaredOrThrow, parseDurationFlag, parseFormat, writeReport } from '../shared.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'compare a live Envoy with its declaration, once (CI/CD)',
  usage: `
Usage: envoy-drift check --admin <url|unix:path> --declared <file|dir> [options]

Reads the proxy's admin API (config dump, runtime, server info), compares it
with the declaration and reports drift per service.

Options:
  --admin <url|unix:path>   Envoy admin: http://127.0.0.1:9901, 127.0.0.1:9901 or unix:/path/admin.sock
  --declared <file|dir>     a bootstrap, xDS resource files, a snapshot folder or a lock file
  --service <name>          only this service (repeatable)
  --format text|json|junit  output format (default text; colour on a terminal unless NO_COLOR is set)
  --timeout <duration>      per admin request (default 10s)
  --warming-grace <dur>     report resources warming for longer than this (default 60s)
  --debug                   show stack traces on errors

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
    });
    const admin = requireOption('check', values['admin'] as string | undefined, '--admin');
    const declaredPath = requireOption('check', values['declared'] as string | undefined, '--declared');
    const format = parseFormat('check', values['format'] as string | undefined);
    const timeoutMs = parseDurationFlag('--timeout', values['timeout'] as string | undefined, 10_000);
    const graceMs = parseDurationFlag('--warming-grace', values['warming-grace'] as string | undefined, 60_000);
    const client = adminClient(admin, timeoutMs);
    try {
      // Envoy serialises its dump (seconds for a large proxy) while the declaration is loaded here.
      const answers = fetchAdminAnswers(client);
      answers.catch(() => undefined);
      const declared = await loadDeclaredOrThrow(declaredPath);
      // Endpoints are in the dump only when asked for: a declaration that covers them needs another one.
      const live = declared.set.coverage.has('endpoint') ? await readLiveState(client, envoyRegistry(), { includeEds: true }) : liveStateFromDump(await answers, envoyRegistry());
      const report = compare(declared, live, compareOptions(values['service'] as string[] | undefined, graceMs));
      return writeReport(report, format, io);
    } finally {
      await client.close();
    }
  },
};
