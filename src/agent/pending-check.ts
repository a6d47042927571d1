import type { Attribution } from './stats-poller.js';

/** Why a check runs. */
export type Trigger = 'start' | 'change' | 'full' | 'snapshot' | 'request' | 'recovered';

/** The check the next step owes, and what moved the proxy, until a check completes. */
export class PendingCheck {
  #trigger: Trigger | undefined = 'start';
  #attribution: Attribution = 'unknown';

  get trigger(): Trigger | undefined {
    return this.#trigger;
  }

  get attribution(): Attribution {
    return this.#attribution;
  }

  /** A check unless one is owed already (its reason stays). */
  ask(trigger: Trigger): void {
    this.#trigger ??= trigger;
  }

  /** The proxy's state moved: a check, attributed to what moved it. */
  moved(attribution: Attribution): void {
    this.#trigger ??= 'change';
    this.#attribution = attribution;
  }

  /** A check for this reason, whatever was owed. */
  replace(trigger: Trigger, attribution: Attribution = this.#attribution): void {
    this.#trigger = trigger;
    this.#attribution = attribution;
  }

  done(): void {
    this.#trigger = undefined;
    this.#attribution = 'unknown';
  }
}
