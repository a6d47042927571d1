import { readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname } from 'node:path';
import { Composer, isMap, isNode, isScalar, isSeq, LineCounter, Parser, YAMLParseError, type CST, type Document, type ScalarTag } from 'yaml';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';
import { checkJsonStructure, MAX_NESTING } from './json-structure.js';
import { restoreLongScalars, takeLongScalars, type LongScalars } from './long-double-quoted.js';

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
    // A FIFO would block the read forever (and SIGTERM with it): only regular files, or symlinks to them.
    if (!info.isFile()) return fail(new DriftError(ErrorCodes.FILE_UNREADABLE, `${path}: not a regular file (${fileKind(info)})`));
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
      const value = JSON.parse(text) as unknown;
      const problem = checkJsonStructure(text);
      if (problem?.kind === 'duplicate-key') return fail(new DriftError(ErrorCodes.PARSE, `${path}:${problem.line}: invalid JSON (key "${problem.key}" given twice in one object)`));
      if (problem) return fail(new DriftError(ErrorCodes.PARSE, `${path}:${problem.line}: nested deeper than the limit of ${MAX_NESTING} levels`));
      return ok(value);
    } catch (error) {
      if (error instanceof RangeError) return fail(new DriftError(ErrorCodes.PARSE, `${path}: nested deeper than the limit of ${MAX_NESTING} levels`));
      // V8 quotes the source around the error: it may be a secret, so neither the message nor the error goes on.
      return fail(new DriftError(ErrorCodes.PARSE, `${path}: invalid JSON (${jsonProblem((error as Error).message, text)})`));
    }
  }
  // YAML 1.2 core schema (no timestamps, no sexagesimal numbers), plus the
  // boolean spellings Envoy's yaml-cpp loader reads as booleans (yes, on, y, …).
  const lineCounter = new LineCounter();
  let document: Document;
  let long: LongScalars;
  try {
    ({ document, long } = parseYaml(text, lineCounter));
  } catch (error) {
    if (error instanceof RangeError) return fail(new DriftError(ErrorCodes.PARSE, `${path}: nested deeper than the limit of ${MAX_NESTING} levels`));
    throw error;
  }
  const problem = document.errors[0];
  // yaml turns its own stack overflow into a document error
  if (problem && /Maximum call stack/.test(problem.message)) return fail(new DriftError(ErrorCodes.PARSE, `${path}: nested deeper than the limit of ${MAX_NESTING} levels`));
  if (problem) {
    const position = lineCounter.linePos(problem.pos[0]);
    const at = `:${position.line}:${position.col}`;
    // The first line only, and not the error itself: the rest quotes the offending source line, which may hold a secret.
    const message = (problem.message.split('\n')[0] ?? problem.message).replace(/ at line \d+, column \d+:?$/, '');
    return fail(new DriftError(ErrorCodes.PARSE, `${path}${at}: invalid YAML (${message})`));
  }
  if (long.problem) {
    const position = lineCounter.linePos(long.problem.offset);
    return fail(new DriftError(ErrorCodes.PARSE, `${path}:${position.line}:${position.col}: invalid YAML (${long.problem.message})`));
  }
  restoreLongScalars(document, long.values);
  const duplicate = duplicateKey(document.contents);
  if (duplicate) {
    const position = lineCounter.linePos(duplicate.offset);
    return fail(new DriftError(ErrorCodes.PARSE, `${path}:${position.line}:${position.col}: invalid YAML (Map keys must be unique)`));
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) return fail(new DriftError(ErrorCodes.PARSE, `${path}: nested deeper than the limit of ${MAX_NESTING} levels`));
    // yaml's "Excessive alias count": a billion-laughs document
    if (/alias/i.test((error as Error).message)) return fail(new DriftError(ErrorCodes.PARSE, `${path}: YAML aliases expand past the limit of ${MAX_ALIAS_COUNT} (an alias bomb?)`));
    throw error;
  }
  const depth = nestingDepth(value);
  if (depth > MAX_NESTING) return fail(new DriftError(ErrorCodes.PARSE, `${path}: nested deeper than the limit of ${MAX_NESTING} levels`));
  return ok(value);
}

const MAX_ALIAS_COUNT = 1000;

/**
 * yaml's parseDocument, with the long double-quoted scalars taken out of the
 * CST before composing (see long-double-quoted.ts). Only the first document
 * is read; a second one is an error, as with parseDocument.
 */
function parseYaml(text: string, lineCounter: LineCounter): { document: Document; long: LongScalars } {
  // uniqueKeys: false, and duplicates found below in one pass: yaml's own check compares each key with every earlier one (quadratic in a map's size).
  const composer = new Composer({ uniqueKeys: false, version: '1.2', merge: true, customTags: [envoyBooleans] });
  let document: Document | undefined;
  let long: LongScalars = { values: new Map() };
  const tokens = function* (): Generator<CST.Token> {
    for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
      if (token.type === 'document' && !document) long = takeLongScalars(token);
      yield token;
    }
  };
  for (const composed of composer.compose(tokens(), true, text.length)) {
    if (!document) document = composed;
    else {
      document.errors.push(new YAMLParseError([composed.range[0], composed.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  // compose(…, forceDoc = true) always yields a document
  return { document: document as Document, long };
}

/** Depth of a parsed value, without recursion (the point is a document too deep to recurse into); stops past the limit. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Array.isArray(value) ? value : Object.values(value)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return deepest;
}

/** V8's JSON.parse message without the source it quotes: what went wrong and, when V8 says, where (line:column). */
function jsonProblem(message: string, text: string): string {
  const position = /at position (\d+)/.exec(message)?.[1];
  let what = 'unexpected character';
  if (/Unexpected end of JSON input|Unterminated string/.test(message)) what = 'unexpected end of input';
  else if (/Bad control character/.test(message)) what = 'control character in a string';
  else if (/^Expected /.test(message)) what = message.replace(/ in JSON at position \d+.*$/s, '');
  if (position === undefined) return what;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  return `${what} at line ${line}, column ${Number(position) - before.lastIndexOf('\n')}`;
}

export function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** The first key given twice in one mapping, walking the document without recursion; one Set per mapping, so linear. */
function duplicateKey(root: unknown): { offset: number } | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const name = isScalar(key) ? `${typeof key.value}:${String(key.value)}` : String(key);
        // merge keys (`<<`, a symbol once resolved) may repeat, as with yaml's own check
        if (!(isScalar(key) && typeof key.value === 'symbol')) {
          if (seen.has(name)) return { offset: (isNode(key) ? key.range?.[0] : undefined) ?? 0 };
          seen.add(name);
        }
        if (isNode(pair.value)) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) if (isNode(item)) stack.push(item);
    }
  }
  return undefined;
}
