import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DriftError, type ErrorCode } from '../errors.js';

/**
 * The one validation path for configuration: the agent's config file,
 * environment and flags, its sinks, journal and remediation sections, and the
 * manifest. One ajv instance (strict, every error collected, unknown keys
 * refused by each schema's `additionalProperties: false`), each schema
 * compiled once on first use, and one error format:
 *
 *   <origin>: <JSON pointer>: <problem>[; <pointer>: <problem>]
 *
 * The origin is a file, `environment ENVOY_DRIFT_X` or `--flag`. An unknown
 * key is named by its own pointer. A schema problem never quotes the value:
 * a token pasted under the wrong key must not reach a terminal or a log.
 */

/** Where a value sits: its origin and the JSON pointer (RFC 6901) of the value inside it ('' for all of it). */
export interface ConfigLocation {
  readonly origin: string;
  readonly pointer: string;
}

export interface ConfigProblem extends ConfigLocation {
  readonly message: string;
}

/** Problems with `value`, which sits at `at`; none when it is valid. */
export type ConfigValidator = (value: unknown, at: ConfigLocation) => readonly ConfigProblem[];

/**
 * A schema keyword for a problem worded for the reader instead of ajv's
 * (`must be a duration with its unit, such as 500ms`). It replaces every
 * message of the schema it sits in except an unknown or a missing key.
 */
export const INVALID_MESSAGE = 'invalidMessage';

/** More than this many problems end in "(and N more)": one line stays readable. */
const MAX_PROBLEMS = 3;

let ajv: Ajv | undefined;

function instance(): Ajv {
  // allErrors: a misspelt key (`token` for `tokenFile`) is named beside the key it leaves missing, so one run shows the fix.
  // verbose: the formatter reads INVALID_MESSAGE from an error's schema; the data it adds is never printed.
  ajv ??= new Ajv({ strict: true, allErrors: true, verbose: true, discriminator: true, keywords: [{ keyword: INVALID_MESSAGE, schemaType: 'string' }] });
  return ajv;
}

/** A validator for `schema`, compiled on first use (a module that only needs a config's types does not pay for it). */
export function configValidator(schema: object): ConfigValidator {
  let validate: ValidateFunction | undefined;
  return (value, at) => {
    validate ??= instance().compile(schema);
    return validate(value) ? [] : problems(validate.errors ?? [], at);
  };
}

/** Throws one error naming every problem (up to a few) when `value` is invalid. */
export function requireValid(validate: ConfigValidator, value: unknown, at: ConfigLocation, code: ErrorCode): void {
  const found = validate(value, at);
  if (found.length > 0) throw configError(code, found);
}

/** The location of a key or index inside `at`. */
export function within(at: ConfigLocation, ...keys: ReadonlyArray<string | number>): ConfigLocation {
  return { origin: at.origin, pointer: at.pointer + keys.map((key) => `/${escape(String(key))}`).join('') };
}

/** One line: `agent.yaml: /sinks/1/name: must match ...; /sinks/2: ...`. */
export function configError(code: ErrorCode, found: ConfigProblem | readonly ConfigProblem[], options?: { cause?: unknown }): DriftError {
  return new DriftError(code, formatProblems(Array.isArray(found) ? found : [found as ConfigProblem]), options);
}

export function formatProblems(found: readonly ConfigProblem[]): string {
  const shown = found.slice(0, MAX_PROBLEMS);
  const parts = shown.map((problem, i) => {
    const where = problem.pointer ? `${problem.pointer}: ` : '';
    return i > 0 && shown[i - 1]!.origin === problem.origin ? `${where}${problem.message}` : `${problem.origin}: ${where}${problem.message}`;
  });
  const more = found.length > MAX_PROBLEMS ? ` (and ${found.length - MAX_PROBLEMS} more)` : '';
  return `${parts.join('; ')}${more}`;
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function problems(errors: readonly ErrorObject[], at: ConfigLocation): ConfigProblem[] {
  // A failed oneOf or discriminator says no more than the errors of its branches, when there are any.
  const useful = errors.filter((error) => {
    if (error.keyword === 'discriminator') return errors.length === 1;
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') return !errors.some((other) => other.schemaPath.startsWith(`${error.schemaPath}/`));
    return true;
  });
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const error of useful) {
    const problem = describe(error, at);
    const key = `${problem.pointer}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function describe(error: ErrorObject, at: ConfigLocation): ConfigProblem {
  const pointer = at.pointer + error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return { origin: at.origin, pointer: `${pointer}/${escape(String(params['additionalProperty']))}`, message: 'unknown key' };
  if (error.keyword === 'required') return { origin: at.origin, pointer: `${pointer}/${escape(String(params['missingProperty']))}`, message: 'is required' };
  const custom = (error.parentSchema as Record<string, unknown> | undefined)?.[INVALID_MESSAGE];
  if (typeof custom === 'string') return { origin: at.origin, pointer, message: custom };
  if (error.keyword === 'enum') return { origin: at.origin, pointer, message: `must be one of ${(params['allowedValues'] as unknown[]).map(String).join(', ')}` };
  if (error.keyword === 'const') return { origin: at.origin, pointer, message: `must be ${JSON.stringify(params['allowedValue'])}` };
  return { origin: at.origin, pointer, message: error.message ?? 'is invalid' };
}
