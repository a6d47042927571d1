import type { Logger } from 'pino';
import type { AdminClient } from '../envoy-admin/admin-client.js';
import { asDriftError } from '../errors.js';
import type { EventInput } from '../events/event.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import { IntentSubscription } from '../control-plane/ads-client.js';
import { readControlPlaneCredentials, type ControlPlaneOptions } from '../control-plane/control-plane-options.js';
import { INTENT_TYPES, type Intent } from '../control-plane/intent.js';
import { proxyNode, subscribedTypes, type ProxyNode } from '../control-plane/proxy-node.js';

/** What the agent gives the watch: where a new intent goes, and where events go. */
export interface IntentTarget {
  /** Validates the intent in full and makes it the declaration in force; throws when it is invalid. */
  applyIntent(intent: Intent): Promise<void>;
  emit(input: EventInput): Promise<unknown>;
}

/**
 * The agent's follower of a control plane: learns the proxy's node from its
 * config dump (retrying until the proxy answers), keeps a read-only ADS
 * stream open as that node, and hands every new intent to the agent. A
 * control plane that goes away is an event, not drift: the last intent stays
 * in force, with its age on /v1/status.
 */
export class ControlPlaneWatch {
  private subscription: IntentSubscription | undefined;
  private node: ProxyNode | undefined;
  private connected: boolean | undefined;
  private lastError: string | undefined;
  private lastIntent: Intent | undefined;
  private lastIntentAt: number | undefined;
  private invalid: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Intents are applied one at a time, in order. */
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ControlPlaneOptions,
    private readonly admin: AdminClient,
    private readonly registry: EnvoyRegistry,
    private readonly target: IntentTarget,
    private readonly logger: Logger,
  ) {}

  /** Reads the credentials (a missing file fails the start) and begins in the background. */
  async start(): Promise<void> {
    const credentials = await readControlPlaneCredentials(this.options);
    const begin = async (): Promise<void> => {
      if (this.closed) return;
      try {
        const [dump, serverInfo] = await Promise.all([this.admin.configDump(), this.admin.serverInfo()]);
        const display = this.admin.address.display;
        this.node = proxyNode(dump, display, this.options.nodeId, serverInfo);
        const types = subscribedTypes(dump, display);
        this.subscription = new IntentSubscription(
          { address: this.options.address, credentials, node: this.node, types, staleGraceMs: this.options.staleGraceMs, registry: this.registry },
          { onIntent: (intent) => this.onIntent(intent), onConnection: (state, detail) => void this.onConnection(state, detail) },
        );
        this.subscription.start();
      } catch (error) {
        // The proxy is not answering yet: its node is needed to ask as it.
        this.lastError = asDriftError(error).message;
        this.timer = setTimeout(() => void begin(), 1_000);
        this.timer.unref();
      }
    };
    await begin();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.subscription?.close();
  }

  status(): unknown {
    const versions = this.lastIntent
      ? Object.fromEntries(Object.entries(this.lastIntent.types).map(([url, entry]) => [INTENT_TYPES[url as keyof typeof INTENT_TYPES], entry?.version]))
      : {};
    return {
      address: this.options.address,
      ...(this.node ? { nodeId: this.node.id } : {}),
      connected: this.connected ?? false,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      intent: this.lastIntent
        ? { versions, receivedAt: new Date(this.lastIntentAt!).toISOString(), ageSeconds: Math.round((Date.now() - this.lastIntentAt!) / 1000) }
        : null,
      ...(this.invalid ? { lastInvalid: this.invalid } : {}),
    };
  }

  private onIntent(intent: Intent): void {
    this.applying = this.applying.then(async () => {
      try {
        await this.target.applyIntent(intent);
        this.lastIntent = intent;
        this.lastIntentAt = Date.now();
        this.invalid = undefined;
      } catch (error) {
        const drift = asDriftError(error);
        if (this.invalid === drift.message) return;
        this.invalid = drift.message;
        this.logger.warn({ err: drift }, 'control plane intent invalid; the last good one stays in force');
        await this.target.emit({ type: 'snapshot.invalid', severity: 'high', message: `${drift.message} (the last good declaration stays in force)` }).catch(() => undefined);
      }
    });
  }

  private async onConnection(state: 'up' | 'down', detail: string): Promise<void> {
    if (state === 'down') {
      this.lastError = `control plane ${this.options.address}: ${detail}`;
      if (this.connected === false) return;
      this.connected = false;
      this.logger.warn({ controlPlane: this.options.address, detail }, 'control plane unreachable; the last intent stays in force');
      await this.target.emit({ type: 'control_plane.unreachable', severity: 'high', message: `${this.lastError} (the last intent stays in force)` }).catch(() => undefined);
      return;
    }
    const was = this.connected;
    this.connected = true;
    this.lastError = undefined;
    if (was === false) await this.target.emit({ type: 'control_plane.recovered', severity: 'info', message: `control plane ${this.options.address} answers again (${detail})` }).catch(() => undefined);
  }
}
