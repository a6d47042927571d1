import { DriftError, ErrorCodes } from '../errors.js';
import { parseAdminAddress } from '../envoy-admin/admin-address.js';
import { AdminClient } from '../envoy-admin/admin-client.js';

/*
 * The flags `check` reads before its first request, apart from shared.ts
 * (which loads the declaration's and the comparison's modules): the config
 * dump is asked for before those load (issue 9).
 */

export const FORMATS = ['text', 'json', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

/** The --format flag: one of `choices` (the report formats by default), `text` when unset. */
export function parseFormat(command: string, value: string | undefined): Format;
export function parseFormat<F extends string>(command: string, value: string | undefined, choices: readonly F[]): F;
export function parseFormat(command: string, value: string | undefined, choices: readonly string[] = FORMATS): string {
  const format = value ?? 'text';
  if (!choices.includes(format)) throw new DriftError(ErrorCodes.USAGE, `--format must be one of ${choices.join(', ')}, not "${format}" (see envoy-drift ${command} --help)`);
  return format;
}

/** The client of the --admin flag's address. */
export function adminClient(address: string, timeoutMs: number): AdminClient {
  const parsed = parseAdminAddress(address);
  if (!parsed.ok) throw parsed.error;
  return new AdminClient(parsed.value, { timeoutMs });
}
