/** Deeper than any Envoy configuration; past it the tool would run out of stack. */
export const MAX_NESTING = 1000;

export type JsonStructureProblem = { readonly kind: 'duplicate-key'; readonly key: string; readonly line: number } | { readonly kind: 'too-deep'; readonly line: number };

/**
 * What JSON.parse lets through: a key given twice in one object (the last
 * one would silently win, while YAML refuses it), and nesting past
 * MAX_NESTING. One pass over text JSON.parse already accepted, without
 * recursion: linear time, memory bounded by the keys of the open objects.
 */
export function checkJsonStructure(text: string): JsonStructureProblem | undefined {
  const stack: Array<Set<string> | undefined> = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push(c === 0x7b ? new Set() : undefined);
      if (stack.length > MAX_NESTING) return { kind: 'too-deep', line };
    } else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const keys = stack.at(-1);
      if (!keys) continue;
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (text[j] !== ':') continue;
      const raw = text.slice(start, i + 1);
      const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      if (keys.has(key)) return { kind: 'duplicate-key', key, line };
      keys.add(key);
    }
  }
  return undefined;
}
