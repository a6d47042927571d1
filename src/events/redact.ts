import { REDACTED } from '../common/redacted.js';
import type { FieldChange } from './field-change.js';

/** A whole value redacted, as a change's sides are written: JSON text. */
const REDACTED_JSON = JSON.stringify(REDACTED);

/**
 * Field names whose values never leave the node: TLS keys, passwords, tokens,
 * and the inline data sources Envoy uses for secrets. Events leave the node
 * (SIEMs, webhooks), so this is a second, stricter net over what a finding
 * already withholds (canonical/sensitive-name.ts, compare/user-data-secrets.ts):
 * it also drops every inline data source, at the cost of showing less.
 */
const SECRET_KEY = /(private_?key|password|passphrase|secret|token|api_?key|authorization|credential|inline_bytes|inline_string|hmac|session_ticket_keys)/i;

export function isSecretPath(path: string): boolean {
  return path.split('/').some((segment) => SECRET_KEY.test(segment));
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, SECRET_KEY.test(key) ? REDACTED : redactValue(child)]));
  }
  return value;
}

/** Redacts one side of a change: the whole value on a secret path, secret keys inside an object otherwise. */
function redactSide(path: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (isSecretPath(path)) return REDACTED_JSON;
  try {
    return JSON.stringify(redactValue(JSON.parse(text)));
  } catch {
    return text;
  }
}

export function redactChanges(changes: readonly FieldChange[]): FieldChange[] {
  return changes.map((change) => {
    const declared = redactSide(change.path, change.declared);
    const live = redactSide(change.path, change.live);
    return {
      path: change.path,
      ...(declared === undefined ? {} : { declared }),
      ...(live === undefined ? {} : { live }),
    };
  });
}
