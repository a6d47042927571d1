import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';

/**
 * A JSON Pointer pattern for ignore rules and severity overrides:
 * `*` matches one segment, `**` any number of segments, and
 * `[key=value]` one list element whose `key` is `value`
 * (`/http_filters/[name=envoy.filters.http.cors]/**`).
 */
export type PathPattern = readonly Segment[];

type Segment = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'deep' } | { kind: 'select'; key: string; value: string };

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Parses a pattern; returns an error message for a malformed one. */
export function parsePathPattern(text: string): PathPattern | string {
  if (text === '' || text === '/') return [];
  if (!text.startsWith('/')) return `"${text}" must start with "/"`;
  const segments: Segment[] = [];
  for (const raw of text.slice(1).split('/')) {
    if (raw === '**') segments.push({ kind: 'deep' });
    else if (raw === '*') segments.push({ kind: 'any' });
    else if (raw.startsWith('[') && raw.endsWith(']')) {
      const body = raw.slice(1, -1);
      const eq = body.indexOf('=');
      if (eq <= 0) return `"${raw}" must be [key=value]`;
      segments.push({ kind: 'select', key: unescape(body.slice(0, eq)), value: unescape(body.slice(eq + 1)) });
    } else segments.push({ kind: 'literal', text: unescape(raw) });
  }
  return segments;
}

export function splitPointer(path: string): string[] {
  const bare = path.replace(/#order$/, '');
  if (bare === '' || bare === '/') return [];
  return bare.slice(1).split('/').map(unescape);
}

function child(value: JsonValue | undefined, segment: string): JsonValue | undefined {
  if (Array.isArray(value)) return value[Number(segment)];
  if (isPlainObject(value)) return value[segment];
  return undefined;
}

/**
 * Whether a diff path matches. `roots` are the resource's declared and live
 * values, walked alongside the path so that `[key=value]` can look at the
 * element the index points to on either side. A pattern that ends on a
 * prefix of the path matches everything below it.
 */
export function matchesPath(pattern: PathPattern, path: string, roots: ReadonlyArray<JsonValue | undefined>): boolean {
  return walk(pattern, 0, splitPointer(path), 0, roots);
}

function walk(pattern: PathPattern, p: number, segments: string[], s: number, nodes: ReadonlyArray<JsonValue | undefined>): boolean {
  if (p === pattern.length) return true;
  const current = pattern[p]!;
  if (current.kind === 'deep') {
    for (let skip = s; skip <= segments.length; skip++) {
      let at = nodes;
      for (let k = s; k < skip; k++) at = at.map((n) => child(n, segments[k]!));
      if (walk(pattern, p + 1, segments, skip, at)) return true;
    }
    return false;
  }
  if (s === segments.length) return false;
  const segment = segments[s]!;
  const next = nodes.map((n) => child(n, segment));
  switch (current.kind) {
    case 'literal':
      if (current.text !== segment) return false;
      break;
    case 'any':
      break;
    case 'select': {
      const hit = next.some((n) => isPlainObject(n) && String(n[current.key]) === current.value);
      if (!hit) return false;
      break;
    }
  }
  return walk(pattern, p + 1, segments, s + 1, next);
}
