import { canonicalStringify, isPlainObject, type JsonValue } from '../canonical/canonical-json.js';

/** One difference inside a resource, at a JSON Pointer into its canonical form. */
export interface FieldDiff {
  readonly path: string;
  /** Absent when the field is only on the live side. */
  readonly declared?: JsonValue;
  /** Absent when the field is only on the declared side. */
  readonly live?: JsonValue;
}

const LCS_LIMIT = 1_000_000;

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function entry(path: string, declared: JsonValue | undefined, live: JsonValue | undefined): FieldDiff {
  return { path: path || '/', ...(declared !== undefined ? { declared } : {}), ...(live !== undefined ? { live } : {}) };
}

/**
 * The field-level differences between two canonical values. Objects are
 * compared key by key; lists of named elements (filters, clusters in a
 * weighted set) are aligned by name, other lists by longest common
 * subsequence, so one inserted route is one difference, not a shifted tail.
 * Paths use the declared index where the element is declared, the live one
 * where it was added.
 */
export function diffValues(declared: JsonValue | undefined, live: JsonValue | undefined, path = ''): FieldDiff[] {
  if (declared === undefined || live === undefined) {
    return declared === live ? [] : [entry(path, declared, live)];
  }
  if (isPlainObject(declared) && isPlainObject(live)) {
    const out: FieldDiff[] = [];
    const keys = [...new Set([...Object.keys(declared), ...Object.keys(live)])].sort();
    for (const key of keys) out.push(...diffValues(declared[key], live[key], `${path}/${escapeSegment(key)}`));
    return out;
  }
  if (Array.isArray(declared) && Array.isArray(live)) return diffLists(declared, live, path);
  return canonicalStringify(declared) === canonicalStringify(live) ? [] : [entry(path, declared, live)];
}

function uniqueNames(list: JsonValue[]): string[] | undefined {
  const names: string[] = [];
  for (const item of list) {
    if (!isPlainObject(item) || typeof item['name'] !== 'string') return undefined;
    names.push(item['name']);
  }
  return new Set(names).size === names.length ? names : undefined;
}

function diffLists(declared: JsonValue[], live: JsonValue[], path: string): FieldDiff[] {
  const declaredNames = uniqueNames(declared);
  const liveNames = uniqueNames(live);
  if (declaredNames && liveNames && (declared.length > 0 || live.length > 0)) return diffNamedLists(declared, live, declaredNames, liveNames, path);
  if (declared.length === live.length) {
    return declared.flatMap((item, i) => diffValues(item, live[i], `${path}/${i}`));
  }
  if (declared.length * live.length > LCS_LIMIT) return [entry(path, declared, live)];
  return diffByLcs(declared, live, path);
}

function diffNamedLists(declared: JsonValue[], live: JsonValue[], declaredNames: string[], liveNames: string[], path: string): FieldDiff[] {
  const out: FieldDiff[] = [];
  const liveIndex = new Map(liveNames.map((name, i) => [name, i]));
  const declaredIndex = new Map(declaredNames.map((name, i) => [name, i]));
  declaredNames.forEach((name, i) => {
    const j = liveIndex.get(name);
    if (j === undefined) out.push(entry(`${path}/${i}`, declared[i], undefined));
    else out.push(...diffValues(declared[i], live[j], `${path}/${i}`));
  });
  liveNames.forEach((name, j) => {
    if (!declaredIndex.has(name)) out.push(entry(`${path}/${j}`, undefined, live[j]));
  });
  // Order carries meaning (filters run in order): report a reordering once, by name.
  const commonDeclared = declaredNames.filter((n) => liveIndex.has(n));
  const commonLive = liveNames.filter((n) => declaredIndex.has(n));
  if (commonDeclared.join('\u0000') !== commonLive.join('\u0000')) {
    out.push({ path: `${path || '/'}#order`, declared: commonDeclared, live: commonLive });
  }
  return out;
}

function diffByLcs(declared: JsonValue[], live: JsonValue[], path: string): FieldDiff[] {
  const a = declared.map(canonicalStringify);
  const b = live.map(canonicalStringify);
  const n = a.length;
  const m = b.length;
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const removed: number[] = [];
  const added: number[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) removed.push(i++);
    else added.push(j++);
  }
  while (i < n) removed.push(i++);
  while (j < m) added.push(j++);
  // A removal and an addition at the same place is one modified element: diff inside it.
  const out: FieldDiff[] = [];
  const pairs = Math.min(removed.length, added.length);
  for (let k = 0; k < pairs; k++) {
    const di = removed[k]!;
    const li = added[k]!;
    if (di === li) out.push(...diffValues(declared[di], live[li], `${path}/${di}`));
    else {
      out.push(entry(`${path}/${di}`, declared[di], undefined));
      out.push(entry(`${path}/${li}`, undefined, live[li]));
    }
  }
  for (const di of removed.slice(pairs)) out.push(entry(`${path}/${di}`, declared[di], undefined));
  for (const li of added.slice(pairs)) out.push(entry(`${path}/${li}`, undefined, live[li]));
  return out;
}
