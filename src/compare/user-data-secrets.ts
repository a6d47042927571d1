import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import { looksSecretName } from '../canonical/sensitive-name.js';
import { REDACTED } from '../common/redacted.js';
import type { DriftPath } from './drift.js';

/*
 * Metadata and runtime layers are free-form user data (google.protobuf.Struct):
 * no schema marks a value sensitive, so `filter_metadata: {auth: {api_key: …}}`
 * would print the key in a drift. The canonical form keeps those values, so a
 * change to one is still found (hashes are of the real value); what a finding
 * shows of them is withheld here, by name, like a misspelt sensitive field.
 */

/** Fields whose subtree is user data. */
const USER_DATA = new Set(['filter_metadata', 'typed_filter_metadata', 'static_layer']);

function segments(pointer: string): string[] {
  return pointer
    .replace(/#order$/, '')
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value with every member of user data whose name looks secret withheld. */
function withhold(value: JsonValue, inUserData: boolean): JsonValue {
  if (Array.isArray(value)) return value.map((item) => withhold(item, inUserData));
  if (!isPlainObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (inUserData && looksSecretName(key)) out[key] = REDACTED;
    else out[key] = withhold(child as JsonValue, inUserData || USER_DATA.has(key));
  }
  return out;
}

function withholdAt(path: string, value: JsonValue, wholeResource: boolean): JsonValue {
  if (wholeResource) return REDACTED;
  let inUserData = false;
  for (const segment of segments(path)) {
    if (inUserData && looksSecretName(segment)) return REDACTED;
    if (USER_DATA.has(segment)) inUserData = true;
  }
  return withhold(value, inUserData);
}

/**
 * A finding's paths as they may be shown: values under user-data keys that
 * look secret (`*key*`, `*secret*`, `*passw*`, `*token*`, `*credential*`) are
 * `[redacted]`, and so is the whole value of a runtime key so named.
 */
export function withholdUserDataSecrets(resource: { readonly type: string; readonly name: string }, paths: readonly DriftPath[]): DriftPath[] {
  const wholeResource = resource.type === 'runtime' && looksSecretName(resource.name);
  return paths.map((entry) => ({
    ...entry,
    ...(entry.declared !== undefined ? { declared: withholdAt(entry.path, entry.declared, wholeResource) } : {}),
    ...(entry.live !== undefined ? { live: withholdAt(entry.path, entry.live, wholeResource) } : {}),
  }));
}
