import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DriftError, ErrorCodes } from '../errors.js';

/** Exit codes, the argocd / driftctl / flux convention. */
export const ExitCode = { IN_SYNC: 0, DRIFT: 1, ERROR: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(argv: string[], io: CliIo): Promise<ExitCode>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with strict checking, turning its errors into one usage line. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

export function parseCommandArgs(command: string, argv: string[], options: Options, allowPositionals = false): ParsedArgs {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } }, strict: true, allowPositionals });
  } catch (error) {
    throw new DriftError(ErrorCodes.USAGE, `${(error as Error).message.split('\n')[0]} (see envoy-drift ${command} --help)`);
  }
}

export function requireOption(command: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new DriftError(ErrorCodes.USAGE, `${flag} is required (see envoy-drift ${command} --help)`);
  return value;
}
