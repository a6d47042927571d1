import { RateLimit } from './rate-limit.js';

/**
 * Counts reverts per finding. Once a finding has been reverted `maxReverts`
 * times within the window, something keeps putting it back (a control plane,
 * a person, a script): reverting again would fight it, so the finding is
 * halted until it goes away by itself.
 */
export class FlapDetector {
  private readonly reverts: RateLimit;
  private readonly halted = new Set<string>();

  constructor(maxReverts: number, windowMs: number) {
    this.reverts = new RateLimit(maxReverts, windowMs);
  }

  isHalted(findingKey: string): boolean {
    return this.halted.has(findingKey);
  }

  /** True when this finding must not be reverted again; the first such call halts it. */
  shouldHalt(findingKey: string, now: Date): boolean {
    if (this.halted.has(findingKey)) return true;
    if (this.reverts.allows(findingKey, now)) return false;
    this.halted.add(findingKey);
    return true;
  }

  record(findingKey: string, now: Date): void {
    this.reverts.record(findingKey, now);
  }

  /** The finding is gone: reverting may start again if it comes back. */
  clear(findingKey: string): void {
    this.halted.delete(findingKey);
  }

  haltedKeys(): string[] {
    return [...this.halted];
  }
}
