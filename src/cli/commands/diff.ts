import type { LiveState } from '../../envoy-admin/live-state.js';
import { DriftError, ErrorCodes } from '../../errors.js';
import { parseCommandArgs, type Command } from '../command.js';
import { compareFromFlags, compareOptions, loadDeclaredOrThrow, parseFormat, writeReport } from '../shared.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two declarations offline (what a deployment will change)',
  usage: `
Usage: envoy-drift diff <before> <after> [--service NAME]... [--format text|json|junit]

Compares two declarations (files or folders) as check compares a declaration
with a proxy: <before> plays the declaration, <after> the proxy. The manifest
of <before> sets services and ignore rules.

Exit codes: 0 no difference, 1 differences, 2 error.
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('diff', argv, { service: { type: 'string', multiple: true }, format: { type: 'string' } }, true);
    if (positionals.length !== 2) throw new DriftError(ErrorCodes.USAGE, 'diff: expects two declarations, <before> and <after> (see envoy-drift diff --help)');
    const format = parseFormat('diff', values['format'] as string | undefined);
    const [beforePath, afterPath] = positionals as [string, string];
    const before = await loadDeclaredOrThrow(beforePath, io);
    const after = await loadDeclaredOrThrow(afterPath, io);
    const live: LiveState = { proxy: { admin: afterPath }, set: after.set, notCompared: [] };
    const report = compareFromFlags(before, live, compareOptions(values['service'] as string[] | undefined, 0));
    return writeReport(report, format, io);
  },
};
