/**
 * Proto3 JSON spellings of the well-known types, normalised to one form.
 * Each normaliser returns the canonical value or undefined when the input is
 * not a valid spelling; the caller turns that into an error naming the field.
 */

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
/** Whole seconds without a leading zero: already canonical, as Envoy prints most durations. */
const CANONICAL_WHOLE_SECONDS = /^(?:0|[1-9]\d*)s$/;

function fractionDigits(nanos: number): string {
  if (nanos === 0) return '';
  const nine = String(nanos).padStart(9, '0');
  if (nine.endsWith('000000')) return `.${nine.slice(0, 3)}`;
  if (nine.endsWith('000')) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

/** `"5s"`, `"5.000s"`, `"5.0s"` and `{seconds: 5}` are all `"5s"`. */
export function canonicalDuration(value: unknown): string | undefined {
  let negative = false;
  let seconds: bigint;
  let nanos: number;
  if (typeof value === 'string') {
    if (CANONICAL_WHOLE_SECONDS.test(value)) return value;
    const match = DURATION.exec(value.trim());
    if (!match) return undefined;
    negative = match[1] === '-';
    seconds = BigInt(match[2] ?? '0');
    nanos = Number((match[3] ?? '').padEnd(9, '0') || '0');
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const rawSeconds = record['seconds'] ?? 0;
    const rawNanos = record['nanos'] ?? 0;
    if (!isIntegral(rawSeconds) || !isIntegral(rawNanos)) return undefined;
    seconds = BigInt(rawSeconds as string | number);
    nanos = Number(rawNanos);
    if (seconds < 0n || nanos < 0) {
      negative = true;
      seconds = seconds < 0n ? -seconds : seconds;
      nanos = Math.abs(nanos);
    }
  } else {
    return undefined;
  }
  if (nanos >= 1e9) return undefined;
  const sign = negative && (seconds !== 0n || nanos !== 0) ? '-' : '';
  return `${sign}${seconds}${fractionDigits(nanos)}s`;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339 in any offset becomes UTC with 0, 3, 6 or 9 fraction digits. */
export function canonicalTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', offset = 'Z'] = match;
  let millis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const [oh, om] = offset.slice(1).split(':').map(Number) as [number, number];
    millis -= sign * (oh * 60 + om) * 60_000;
  }
  if (Number.isNaN(millis)) return undefined;
  const base = new Date(millis).toISOString().slice(0, 19);
  return `${base}${fractionDigits(Number(fraction.padEnd(9, '0') || '0'))}Z`;
}

function isIntegral(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value);
  return typeof value === 'string' && /^-?\d+$/.test(value.trim());
}

/** 32-bit integers as numbers; a numeric string is the same number. */
export function canonicalInt32(value: unknown, unsigned: boolean): number | undefined {
  const text = typeof value === 'string' ? value.trim() : value;
  const parsed = typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : NaN;
  if (!Number.isInteger(parsed)) return undefined;
  if (unsigned ? parsed < 0 || parsed > 0xffff_ffff : parsed < -0x8000_0000 || parsed > 0x7fff_ffff) return undefined;
  return parsed;
}

/** 64-bit integers as decimal strings, the proto3 JSON form. */
export function canonicalInt64(value: unknown, unsigned: boolean): string | undefined {
  let parsed: bigint;
  try {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) return undefined;
      parsed = BigInt(value);
    } else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
      parsed = BigInt(value.trim());
    } else if (typeof value === 'bigint') {
      parsed = value;
    } else {
      return undefined;
    }
  } catch {
    return undefined;
  }
  if (unsigned && parsed < 0n) return undefined;
  return parsed.toString();
}

const SPECIAL_FLOATS = new Set(['NaN', 'Infinity', '-Infinity']);

/** Doubles and floats as numbers; floats rounded to single precision so both sides agree. */
export function canonicalFloat(value: unknown, single: boolean): number | string | undefined {
  if (typeof value === 'string' && SPECIAL_FLOATS.has(value.trim())) return value.trim();
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (Number.isNaN(parsed)) return undefined;
  if (!Number.isFinite(parsed)) return parsed > 0 ? 'Infinity' : '-Infinity';
  const rounded = single ? Math.fround(parsed) : parsed;
  return Object.is(rounded, -0) ? 0 : rounded;
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Standard, URL-safe, padded or unpadded base64 all become padded standard base64. */
export function canonicalBytes(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return undefined;
  return Buffer.from(compact.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('base64');
}

export function canonicalBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function canonicalFieldMask(value: unknown): string | undefined {
  if (typeof value === 'string') return value.split(',').map((p) => p.trim()).filter(Boolean).join(',');
  if (value !== null && typeof value === 'object' && Array.isArray((value as { paths?: unknown }).paths)) {
    return ((value as { paths: unknown[] }).paths).map(String).join(',');
  }
  return undefined;
}
