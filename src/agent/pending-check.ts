import type { Attribution } from './stats-poller.js';

/** Why a check runs. */
export type Trigger = 'start' | 'change' | 'full' | 'snapshot' | 'request' | 'recovered';

/** The check the next step owes, and what moved the proxy, until a check completes. */
export class PendingCheck {
  #trigger: Trigger | undefined = 'start';
  #attribution: Attribution = 'unknown';
  /** The watched stats that moved since the last check, while they alone are why it is owed; undefined once anything else asked. */
  #movedStats: string[] | undefined;

  get trigger(): Trigger | undefined {
    return this.#trigger;
  }

  get attribution(): Attribution {
    return this.#attribution;
  }

  /** The stats that moved, when a subscription's change is the only reason for the check owed. */
  get movedStats(): readonly string[] | undefined {
    return this.#trigger === 'change' ? this.#movedStats : undefined;
  }

  /** A check unless one is owed already (its reason stays). */
  ask(trigger: Trigger): void {
    this.#trigger ??= trigger;
    this.#movedStats = undefined;
  }

  /** The proxy's state moved: a check, attributed to what moved it. */
  moved(attribution: Attribution, stats: readonly string[] = []): void {
    if (!this.#trigger) this.#movedStats = [];
    this.#trigger ??= 'change';
    this.#attribution = attribution;
    // A restart or a runtime override since the last check: only a full one is sure to see it.
    if (attribution !== 'file change' && attribution !== 'control-plane push') this.#movedStats = undefined;
    this.#movedStats?.push(...stats);
  }

  /** A check for this reason, whatever was owed. */
  replace(trigger: Trigger, attribution: Attribution = this.#attribution): void {
    this.#trigger = trigger;
    this.#attribution = attribution;
    this.#movedStats = undefined;
  }

  done(): void {
    this.#trigger = undefined;
    this.#attribution = 'unknown';
    this.#movedStats = undefined;
  }
}
