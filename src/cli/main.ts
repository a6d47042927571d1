import { asDriftError, ErrorCodes } from '../errors.js';
import { ExitCode, type CliIo, type Command } from './command.js';
import { commands } from './commands/index.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'envoy-drift: compare a live Envoy with its declared configuration',
    '',
    'Usage: envoy-drift <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 in sync, 1 drift, 2 error. Run envoy-drift <command> --help for its options.',
    '',
  ].join('\n');
}

/** Runs the CLI; never throws, always resolves to an exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  const debug = rest.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? ExitCode.ERROR : ExitCode.IN_SYNC;
  }
  if (name === '--version') {
    io.stdout.write(`${(await import('../common/version.js')).version}\n`);
    return ExitCode.IN_SYNC;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`envoy-drift: unknown command "${name}" (see envoy-drift --help)\n`);
    return ExitCode.ERROR;
  }
  const command: Command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage.trim()}\n`);
    return ExitCode.IN_SYNC;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const drift = asDriftError(error, ErrorCodes.INTERNAL);
    io.stderr.write(`envoy-drift ${command.name}: ${drift.message}\n`);
    if (debug) io.stderr.write(`${debugTrace(drift)}\n`);
    return ExitCode.ERROR;
  }
}

/**
 * Where the error came from, for --debug: each error's name and stack frames,
 * never a cause's message (a parser's message quotes its input, which may be
 * a secret; the one line above already says what went wrong).
 */
function debugTrace(error: Error): string {
  const out: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const frames = (current.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    out.push(`${depth === 0 ? '' : 'caused by '}${current.name}${'code' in current ? ` ${String(current.code)}` : ''}`, ...frames);
  }
  return out.join('\n');
}
