import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument, type ScalarTag } from 'yaml';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads one YAML or JSON file into a plain value. Every failure is a
 * DriftError whose message starts with the file (and line, for syntax errors).
 */
export async function readDocument(path: string, maxBytes = DEFAULT_MAX_FILE_BYTES): Promise<Result<unknown>> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) return fail(new DriftError(ErrorCodes.FILE_UNREADABLE, `${path}: is a directory, expected a file`));
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(new DriftError(ErrorCodes.FILE_NOT_FOUND, `${path}: no such file`, { cause: error }));
    return fail(new DriftError(ErrorCodes.FILE_UNREADABLE, `${path}: cannot read (${code ?? 'error'})`, { cause: error }));
  }
  if (size > maxBytes) {
    return fail(new DriftError(ErrorCodes.FILE_TOO_LARGE, `${path}: ${size} bytes is over the limit of ${maxBytes} bytes`));
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return fail(new DriftError(ErrorCodes.FILE_UNREADABLE, `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error }));
  }
  return parseText(path, text);
}

/**
 * Unquoted `y`, `yes`, `on` (and `n`, `no`, `off`, in yaml-cpp's spellings)
 * are booleans to Envoy; to the YAML 1.2 core schema they are strings. Read
 * them as Envoy does, or a runtime flag `enabled: on` would drift from itself.
 */
const envoyBooleans: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:y|Y|yes|Yes|YES|on|On|ON|n|N|no|No|NO|off|Off|OFF)$/,
  resolve: (text: string) => /^(?:y|Y|yes|Yes|YES|on|On|ON)$/.test(text),
};

export function parseText(path: string, text: string): Result<unknown> {
  if (text.trim() === '') return fail(new DriftError(ErrorCodes.PARSE, `${path}: the file is empty`));
  if (extname(path).toLowerCase() === '.json') {
    try {
      return ok(JSON.parse(text) as unknown);
    } catch (error) {
      return fail(new DriftError(ErrorCodes.PARSE, `${path}: invalid JSON (${(error as Error).message})`, { cause: error }));
    }
  }
  // YAML 1.2 core schema (no timestamps, no sexagesimal numbers), plus the
  // boolean spellings Envoy's yaml-cpp loader reads as booleans (yes, on, y, …).
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, version: '1.2', merge: true, customTags: [envoyBooleans] });
  const problem = document.errors[0];
  if (problem) {
    const position = problem.linePos?.[0];
    const at = position ? `:${position.line}:${position.col}` : '';
    const message = problem.message.split('\n')[0] ?? problem.message;
    return fail(new DriftError(ErrorCodes.PARSE, `${path}${at}: invalid YAML (${message})`, { cause: problem }));
  }
  return ok(document.toJS({ maxAliasCount: 1000 }) as unknown);
}
