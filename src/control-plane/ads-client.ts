import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { isPlainObject } from '../canonical/canonical-json.js';
import { backoffDelay } from '../common/backoff.js';
import { version } from '../common/version.js';
import { DriftError, ErrorCodes } from '../errors.js';
import type { EnvoyRegistry } from '../proto/envoy-registry.js';
import type { ControlPlaneCredentials } from './control-plane-options.js';
import { INTENT_TYPES, type Intent, type IntentType, type IntentTypeUrl } from './intent.js';
import { jsonToStruct, messageToJson } from './proto3-json.js';
import type { ProxyNode } from './proxy-node.js';

const METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
const ROUTES: IntentTypeUrl = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
/** How long a push may take to arrive whole, type after type, before it is one intent. */
const SETTLE_MS = 100;
const LISTENERS: IntentTypeUrl = 'type.googleapis.com/envoy.config.listener.v3.Listener';

export interface SubscriptionOptions {
  readonly address: string;
  readonly credentials: ControlPlaneCredentials;
  readonly node: ProxyNode;
  /** The wildcard types the proxy subscribes to (listeners, clusters); route configurations follow the listeners. */
  readonly types: readonly IntentTypeUrl[];
  readonly staleGraceMs: number;
  readonly registry: EnvoyRegistry;
  /** Reconnection backoff ceiling. */
  readonly maxBackoffMs?: number;
}

export interface SubscriptionHandlers {
  /** A complete state of the world, and every change after it. */
  onIntent?(intent: Intent): void;
  /** `up` once a response arrived on a stream, `down` when a stream failed (with the reason). */
  onConnection?(state: 'up' | 'down', detail: string): void;
}

type Message = Record<string, unknown>;

/** Route configuration names the listeners ask for over RDS, as Envoy would subscribe to them. */
export function routeNames(listeners: readonly unknown[]): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isPlainObject(node)) {
      const rds = node['rds'];
      if (isPlainObject(rds) && typeof rds['route_config_name'] === 'string') names.add(rds['route_config_name']);
      Object.values(node).forEach(walk);
    }
  };
  walk(listeners);
  return [...names].sort();
}

/**
 * A read-only state-of-the-world ADS subscription, as the proxy's own node:
 * one more stream for the control plane. Every response is ACKed, whatever it
 * holds (a NACK would tell the control plane something about the proxy that
 * is not true); the resources are kept as proto3 JSON. The stream reconnects
 * with backoff; the last complete intent stays until a new one arrives.
 */
export class IntentSubscription {
  private readonly client: grpc.Client;
  private readonly request: protobuf.Type;
  private readonly response: protobuf.Type;
  private call: grpc.ClientDuplexStream<Message, protobuf.Message> | undefined;
  private readonly types = new Map<IntentTypeUrl, IntentType>();
  private routes: string[] = [];
  private complete = false;
  private closed = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private intent: Intent | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SubscriptionOptions,
    private readonly handlers: SubscriptionHandlers = {},
  ) {
    const lookup = (name: string) => {
      const found = options.registry.lookupType(`envoy.service.discovery.v3.${name}`);
      if (!found) throw new DriftError(ErrorCodes.PROTO_REGISTRY, `envoy.service.discovery.v3.${name} is not in the Envoy API registry`);
      return found;
    };
    this.request = lookup('DiscoveryRequest');
    this.response = lookup('DiscoveryResponse');
    const { ca, cert, key } = options.credentials;
    const credentials = ca || cert ? grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null) : grpc.credentials.createInsecure();
    this.client = new grpc.Client(options.address, credentials, { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  }

  /** The last complete intent, if any. */
  current(): Intent | undefined {
    return this.intent;
  }

  start(): void {
    if (this.closed || this.call) return;
    const request = this.request;
    const response = this.response;
    const call = this.client.makeBidiStreamRequest<Message, protobuf.Message>(
      METHOD,
      (value) => Buffer.from(request.encode(request.fromObject(value)).finish()),
      (bytes) => response.decode(bytes),
    );
    this.call = call;
    call.on('data', (message: protobuf.Message) => this.onResponse(message));
    const ended = (detail: string) => {
      if (this.call !== call) return;
      this.call = undefined;
      this.failures += 1;
      this.handlers.onConnection?.('down', detail);
      this.reconnectLater();
    };
    call.on('error', (error: grpc.ServiceError) => ended(`${grpc.status[error.code] ?? error.code}: ${error.details || error.message}`.split('\n')[0]!));
    call.on('end', () => ended('the control plane ended the stream'));
    for (const type of this.options.types) this.send(type, [], '', '');
    if (this.routes.length > 0) this.send(ROUTES, this.routes, '', '');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.settle);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.client.close();
  }

  private reconnectLater(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.failures - 1, { initialMs: 500, maxMs: this.options.maxBackoffMs ?? 30_000 });
    this.timer = setTimeout(() => this.start(), delay);
    this.timer.unref();
  }

  private send(typeUrl: IntentTypeUrl, names: readonly string[], versionInfo: string, nonce: string): void {
    const { node } = this.options;
    this.call?.write({
      version_info: versionInfo,
      response_nonce: nonce,
      type_url: typeUrl,
      resource_names: [...names],
      node: {
        id: node.id,
        ...(node.cluster ? { cluster: node.cluster } : {}),
        ...(node.metadata ? { metadata: jsonToStruct(node.metadata, this.options.registry) } : {}),
        ...(node.locality ? { locality: node.locality } : {}),
        user_agent_name: 'envoy-drift',
        user_agent_version: version,
      },
    });
  }

  private onResponse(message: protobuf.Message): void {
    const record = message as unknown as Message;
    const typeUrl = String(record['type_url'] ?? '') as IntentTypeUrl;
    const versionInfo = String(record['version_info'] ?? '');
    const nonce = String(record['nonce'] ?? '');
    if (this.failures > 0 || !this.complete) this.handlers.onConnection?.('up', `version ${versionInfo} of ${typeUrl.replace(/^.*\./, '')}`);
    this.failures = 0;
    if (!(typeUrl in INTENT_TYPES)) {
      this.send(typeUrl, [], versionInfo, nonce);
      return;
    }
    const anys = (record['resources'] ?? []) as Array<Message>;
    const resources = anys.map((any) => messageToJson(this.options.registry.lookupType('google.protobuf.Any')!, any, this.options.registry));
    const previous = this.types.get(typeUrl);
    const unchanged = previous && previous.version === versionInfo && JSON.stringify(previous.resources) === JSON.stringify(resources);
    if (!unchanged) this.types.set(typeUrl, { version: versionInfo, receivedAt: Date.now(), resources });
    // ACK, always: this stream only listens.
    this.send(typeUrl, typeUrl === ROUTES ? this.routes : [], versionInfo, nonce);
    if (typeUrl === LISTENERS) {
      const names = routeNames(resources);
      if (names.join('\n') !== this.routes.join('\n')) {
        this.routes = names;
        const known = this.types.get(ROUTES);
        this.send(ROUTES, names, known?.version ?? '', '');
      }
    }
    const ready = this.options.types.every((t) => this.types.has(t)) && (this.routes.length === 0 || this.types.has(ROUTES));
    if (!ready || (unchanged && this.complete)) return;
    this.complete = true;
    // A push arrives one type at a time (listeners, then their routes, clusters): one intent per push.
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.publish(), SETTLE_MS);
    this.settle.unref();
  }

  private publish(): void {
    if (this.closed) return;
    this.intent = {
      address: this.options.address,
      nodeId: this.options.node.id,
      staleGraceMs: this.options.staleGraceMs,
      types: Object.fromEntries([...this.types].filter(([t]) => t !== ROUTES || this.routes.length > 0)),
    };
    this.handlers.onIntent?.(this.intent);
  }
}

/**
 * One complete intent, then the stream is closed (`check`, `snapshot`).
 * Fails with one line naming the address when the control plane cannot be
 * reached or has not answered for the node within the timeout.
 */
export function fetchIntent(options: SubscriptionOptions, timeoutMs: number): Promise<Intent> {
  return new Promise((resolve, reject) => {
    let lastDown: string | undefined;
    const subscription = new IntentSubscription({ ...options, maxBackoffMs: 1_000 }, {
      onIntent: (intent) => finish(() => resolve(intent)),
      onConnection: (state, detail) => {
        if (state === 'down') lastDown = detail;
      },
    });
    const timer = setTimeout(() => {
      finish(() =>
        reject(
          lastDown
            ? new DriftError(ErrorCodes.CONTROL_PLANE_UNREACHABLE, `control plane ${options.address}: unreachable (${lastDown})`)
            : new DriftError(ErrorCodes.CONTROL_PLANE_TIMEOUT, `control plane ${options.address}: no complete answer for node "${options.node.id}" within ${timeoutMs / 1000}s (does it have resources for this node?)`),
        ),
      );
    }, timeoutMs);
    const finish = (then: () => void) => {
      clearTimeout(timer);
      subscription.close();
      then();
    };
    subscription.start();
  });
}
