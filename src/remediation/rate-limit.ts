/** A sliding-window count per key: at most `limit` takes within `windowMs`. */
export class RateLimit {
  private readonly taken = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  allows(key: string, now: Date): boolean {
    return this.recent(key, now).length < this.limit;
  }

  record(key: string, now: Date): void {
    this.taken.set(key, [...this.recent(key, now), now.getTime()]);
  }

  private recent(key: string, now: Date): number[] {
    const since = now.getTime() - this.windowMs;
    const kept = (this.taken.get(key) ?? []).filter((t) => t > since);
    this.taken.set(key, kept);
    return kept;
  }
}
