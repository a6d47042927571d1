import { randomUUID } from 'node:crypto';
import { CST, isScalar, visit, type Document } from 'yaml';

/**
 * yaml builds a double-quoted scalar one character at a time (`res += ch`):
 * a 50 MB string becomes a rope of 50 million pieces, about 1.7 GB, before
 * anything reads it. Scalars past this length are decoded here instead, in
 * runs and in bounded pieces, with the same rules; shorter ones stay with yaml.
 */
const LONG_SCALAR = 64 * 1024;

/** Flatten the pending runs into one string every so often, so that the pieces never outweigh the text. */
const PIECES_PER_FLATTEN = 4096;

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

export interface LongScalarProblem {
  /** Offset in the source text. */
  readonly offset: number;
  readonly message: string;
}

/** What the CST's long scalars were swapped for, to be put back into the composed document. */
export interface LongScalars {
  readonly values: Map<string, string>;
  readonly problem?: LongScalarProblem;
}

/**
 * Replaces each long double-quoted scalar of a CST document with a short
 * placeholder (a random token, so no document can spell it) and returns the
 * decoded values by placeholder, for `restoreLongScalars` after composing.
 */
export function takeLongScalars(document: CST.Document): LongScalars {
  const values = new Map<string, string>();
  const nonce = randomUUID();
  let problem: LongScalarProblem | undefined;
  const swap = (token: CST.Token | null | undefined): void => {
    if (problem || !token || token.type !== 'double-quoted-scalar' || token.source.length <= LONG_SCALAR) return;
    const decoded = decodeDoubleQuoted(token.source);
    if (typeof decoded !== 'string') {
      problem = { offset: token.offset + decoded.at, message: decoded.message };
      return;
    }
    const placeholder = `envoy-drift-long-scalar-${nonce}-${values.size}`;
    values.set(placeholder, decoded);
    token.source = `"${placeholder}"`;
  };
  CST.visit(document, (item) => {
    swap(item.key);
    swap(item.value);
  });
  return problem ? { values, problem } : { values };
}

export function restoreLongScalars(document: Document, values: ReadonlyMap<string, string>): void {
  if (values.size === 0) return;
  visit(document, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string') {
        const value = values.get(node.value);
        if (value !== undefined) node.value = value;
      }
    },
  });
}

/** YAML 1.2 double-quoted scalar (with its quotes) to its value: yaml's rules, in runs of plain characters. */
export function decodeDoubleQuoted(source: string): string | { at: number; message: string } {
  const out = new PieceBuilder();
  const special = /[\r\n\\ \t]/g;
  const end = source.length - 1;
  if (source[end] !== '"' || source.length === 1) return { at: source.length, message: 'Missing closing "quote' };
  let i = 1;
  while (i < end) {
    special.lastIndex = i;
    const found = special.exec(source);
    const next = found && found.index < end ? found.index : end;
    if (next > i) out.push(source.slice(i, next));
    i = next;
    if (i >= end) break;
    const ch = source[i];
    if (ch === '\r') {
      // CRLF is a line break (the LF is read next); a lone CR is text
      if (source[i + 1] !== '\n') out.push(ch);
      i++;
    } else if (ch === '\n') {
      let fold = '';
      while (source[i + 1] === ' ' || source[i + 1] === '\t' || source[i + 1] === '\n' || source[i + 1] === '\r') {
        if (source[i + 1] === '\r' && source[i + 2] !== '\n') break;
        if (source[i + 1] === '\n') fold += '\n';
        i++;
      }
      out.push(fold || ' ');
      i++;
    } else if (ch === '\\') {
      let escaped = source[++i] as string;
      const code = ESCAPES[escaped];
      if (code) out.push(code);
      else if (escaped === '\n' || (escaped === '\r' && source[i + 1] === '\n')) {
        if (escaped === '\r') i++;
        escaped = source[i + 1] as string;
        while (escaped === ' ' || escaped === '\t') escaped = source[++i + 1] as string;
      } else if (escaped === 'x' || escaped === 'u' || escaped === 'U') {
        const length = escaped === 'x' ? 2 : escaped === 'u' ? 4 : 8;
        const digits = source.substr(i + 1, length);
        const codePoint = digits.length === length && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : NaN;
        if (!(codePoint <= 0x10ffff)) return { at: i - 1, message: `Invalid escape sequence \\${escaped}` };
        out.push(String.fromCodePoint(codePoint));
        i += length;
      } else return { at: i - 1, message: `Invalid escape sequence \\${escaped}` };
      i++;
    } else {
      // a run of spaces and tabs: dropped before a line break, kept otherwise
      const start = i;
      while (source[i + 1] === ' ' || source[i + 1] === '\t') i++;
      const after = source[i + 1];
      if (after !== '\n' && !(after === '\r' && source[i + 2] === '\n')) out.push(source.slice(start, i + 1));
      i++;
    }
  }
  return out.toString();
}

class PieceBuilder {
  private readonly flattened: string[] = [];
  private pending: string[] = [];

  push(piece: string): void {
    this.pending.push(piece);
    if (this.pending.length >= PIECES_PER_FLATTEN) {
      this.flattened.push(this.pending.join(''));
      this.pending = [];
    }
  }

  toString(): string {
    this.flattened.push(this.pending.join(''));
    return this.flattened.join('');
  }
}
