/**
 * Whether a field name that the schema does not know should be treated as a
 * secret: it says so (`*key*`, `*secret*`, `*passw*`, `*token*`,
 * `*credential*`), or it is a misspelling of a sensitive field of the same
 * message (`privat_key`, `private_kye`). A typo must not turn a private key
 * into an unknown field printed in full.
 */
const LOOKS_SECRET = /key|secret|passw|token|credential/i;

export function looksSecretName(name: string): boolean {
  return LOOKS_SECRET.test(name);
}

function normalise(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[-_]/g, '');
}

/** Levenshtein distance, stopping early once it exceeds `limit` (names are short; this stays cheap). */
function withinDistance(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return false;
    previous = current;
  }
  return (previous[b.length] as number) <= limit;
}

export function looksSensitive(name: string, sensitiveFields: readonly string[]): boolean {
  if (looksSecretName(name)) return true;
  const plain = normalise(name);
  return sensitiveFields.some((field) => withinDistance(plain, normalise(field), field.length >= 5 ? 2 : 1));
}
