import { inspect } from 'node:util';

export interface EventuallyOptions<T> {
  /** Give up after this long (default 20 s): a broken test fails, it never hangs. */
  readonly timeoutMs?: number;
  /** Pause between probes (default 50 ms). */
  readonly intervalMs?: number;
  /** When the probe's value counts as done (default: anything but undefined and false). */
  readonly until?: (value: T) => boolean;
  /** Checked before every probe: a reason to stop waiting at once (a process that exited), or undefined. */
  readonly abort?: () => string | undefined | Promise<string | undefined>;
}

type Done<T> = Exclude<T, undefined | false>;

function describe(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxStringLength: 500 });
}

/**
 * The one way a test waits for something asynchronous: calls `probe` until
 * its value is done, and resolves with that value. A probe that throws counts
 * as not yet. After the timeout it rejects naming what was awaited and the
 * last value or error, so the failure says what was seen.
 */
export async function eventually<T>(probe: () => T | Promise<T>, what: string, options: number | EventuallyOptions<T> = {}): Promise<Done<T>> {
  const { timeoutMs = 20_000, intervalMs = 50, until = (v: T) => v !== undefined && v !== false, abort } = typeof options === 'number' ? { timeoutMs: options } : options;
  const started = Date.now();
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    const stop = await abort?.();
    if (stop !== undefined) throw new Error(`gave up waiting for ${what}: ${stop}`);
    try {
      const value = await probe();
      if (until(value)) return value as Done<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() - started > timeoutMs) {
      const seen = !last ? 'no probe finished' : 'error' in last ? `last error: ${last.error instanceof Error ? last.error.message : describe(last.error)}` : `last value: ${describe(last.value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
