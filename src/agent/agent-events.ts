import type { Counter } from 'prom-client';
import { asDriftError } from '../errors.js';
import type { DriftEvent, EventInput, ProxyIdentity } from '../events/event.js';
import type { EventPipeline } from '../pipeline/event-pipeline.js';
import type { WriteHealth } from './write-health.js';

export interface AgentEventsOptions {
  /** The pipeline, once the agent opened it. */
  readonly pipeline: () => EventPipeline;
  /** The proxy the events are about, as the last check saw it. */
  readonly proxy: () => ProxyIdentity;
  readonly writeHealth: WriteHealth;
  readonly counter: Counter<'type'>;
}

/**
 * The agent's events: journaled first (synced), then handed to the live
 * listeners (SSE). A failed write (journal or findings) is a write outage;
 * the event about it is journaled as soon as one can be, before anything else.
 */
export class AgentEvents {
  readonly #listeners = new Set<(event: DriftEvent) => void>();

  constructor(private readonly options: AgentEventsOptions) {}

  subscribe(listener: (event: DriftEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async emit(input: EventInput): Promise<DriftEvent> {
    await this.journalOwed();
    return this.#journal(input);
  }

  /** The event about a write outage, if one is owed. */
  async journalOwed(): Promise<void> {
    const owed = this.options.writeHealth.owedEvent();
    if (!owed) return;
    await this.#journal(owed);
    this.options.writeHealth.owedEventJournaled();
  }

  /** A write besides the journal's (the findings): its failure is a write outage too. */
  async write(write: () => Promise<void>): Promise<void> {
    await this.#guarded(write);
  }

  async #journal(input: EventInput): Promise<DriftEvent> {
    const event = await this.#guarded(() => this.options.pipeline().emit({ ...input, proxy: this.options.proxy() }));
    this.options.counter.inc({ type: event.type });
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  async #guarded<T>(write: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await write();
    } catch (error) {
      this.options.writeHealth.failed(asDriftError(error));
      throw error;
    }
    this.options.writeHealth.succeeded();
    return result;
  }
}
