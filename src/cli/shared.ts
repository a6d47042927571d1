import { compare, type CompareOptions } from '../compare/compare.js';
import type { DriftReport } from '../compare/drift.js';
import { loadDeclared, type DeclaredSnapshot, type LoadOptions } from '../declared/load-declared.js';
import { DriftError, ErrorCodes, isDriftError } from '../errors.js';
import type { LiveState } from '../envoy-admin/live-state.js';
import { envoyRegistry } from '../proto/envoy-registry.js';
import { palette } from '../report/colour.js';
import { renderJunit } from '../report/junit-report.js';
import { renderText } from '../report/text-report.js';
import { ExitCode, type CliIo } from './command.js';
import type { Format } from './admin-and-format-flags.js';

export { adminClient, FORMATS, parseFormat, type Format } from './admin-and-format-flags.js';

export async function loadDeclaredOrThrow(path: string, io?: Pick<CliIo, 'stderr'>, options: LoadOptions = {}): Promise<DeclaredSnapshot> {
  const result = await loadDeclared(path, envoyRegistry(), options);
  if (!result.ok) throw result.error;
  for (const entry of result.value.skipped ?? []) io?.stderr.write(`envoy-drift: skipped ${entry}\n`);
  return result.value;
}

export function writeReport(report: DriftReport, format: Format, io: CliIo): ExitCode {
  if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === 'junit') io.stdout.write(renderJunit(report));
  else io.stdout.write(renderText(report, palette(io.stdout.isTTY, io.env)));
  return report.inSync ? ExitCode.IN_SYNC : ExitCode.DRIFT;
}

export function compareOptions(services: string[] | undefined, warmingGraceMs: number): CompareOptions {
  return { ...(services && services.length > 0 ? { services } : {}), warmingGraceSeconds: warmingGraceMs / 1000 };
}

/** compare(), with an unknown service worded as the `--service` flag that named it. */
export function compareFromFlags(declared: DeclaredSnapshot, live: LiveState, options: CompareOptions): DriftReport {
  try {
    return compare(declared, live, options);
  } catch (error) {
    if (isDriftError(error) && error.code === ErrorCodes.SERVICE_UNKNOWN) throw new DriftError(ErrorCodes.USAGE, `--service ${error.message}`, { cause: error });
    throw error;
  }
}
