/**
 * What a stats poll usually costs Envoy, for pacing: the lower median of the
 * last few answered polls. A mean (even a smoothed one) lets one outlier (a
 * proxy frozen for 20 s, a stall while it applies a large config) stretch
 * the interval to its maximum and keep it there for a minute; a median
 * ignores a lone outlier and follows a proxy whose cost really changed
 * within a few polls.
 */
export class PollCost {
  private readonly samples: number[] = [];

  constructor(private readonly window = 5) {}

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.samples.push(ms);
    if (this.samples.length > this.window) this.samples.shift();
  }

  /** 0 until a poll was answered. */
  get ms(): number {
    if (this.samples.length === 0) return 0;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  }
}
