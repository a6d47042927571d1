import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { isPlainObject } from '../../canonical/canonical-json.js';
import { DriftError, ErrorCodes } from '../../errors.js';
import type { EnvoyRegistry } from '../../proto/envoy-registry.js';
import type { AdsResource, AdsSnapshot } from './ads-snapshot.js';

const SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService/';

/** How the proxy answered one response: an ACK, or a NACK with its reason. */
export interface PushAnswer {
  readonly typeUrl: string;
  readonly version: string;
  readonly nack?: string;
}

type Message = Record<string, unknown>;
type Stream = grpc.ServerDuplexStream<Message, Message>;

function codec(type: protobuf.Type) {
  return {
    serialize: (value: Message) => Buffer.from(type.encode(type.fromObject(value)).finish()),
    deserialize: (bytes: Buffer) => type.toObject(type.decode(bytes), { longs: String, enums: String, arrays: true }) as Message,
  };
}

function nackOf(request: Message): string | undefined {
  const detail = request['error_detail'];
  if (!isPlainObject(detail)) return undefined;
  const message = typeof detail['message'] === 'string' ? detail['message'].replace(/\s+/g, ' ').trim() : '';
  return message || (detail['code'] ? `gRPC status ${String(detail['code'])}` : undefined);
}

const toAny = (r: AdsResource) => ({ type_url: r.typeUrl, value: r.value });

/**
 * An ADS server for the agent's own proxy, state of the world and
 * incremental. It serves one snapshot at a time; `publish` pushes a new one
 * to every connected proxy and resolves with each proxy's ACK or NACK.
 */
export class AdsServer {
  private readonly server = new grpc.Server();
  private snapshot: AdsSnapshot | undefined;
  private nonce = 0;
  private readonly pending = new Map<string, (answer: PushAnswer) => void>();
  private readonly pushers = new Set<(snapshot: AdsSnapshot) => Array<Promise<PushAnswer>>>();
  private closed = false;

  constructor(registry: EnvoyRegistry) {
    const type = (name: string) => {
      const found = registry.lookupType(`envoy.service.discovery.v3.${name}`);
      if (!found) throw new DriftError(ErrorCodes.ADS_SERVER, `ADS: envoy.service.discovery.v3.${name} is not in the Envoy API registry`);
      return codec(found);
    };
    const method = (name: string, request: ReturnType<typeof codec>, response: ReturnType<typeof codec>) => ({
      path: `${SERVICE}${name}`,
      requestStream: true,
      responseStream: true,
      requestSerialize: request.serialize,
      requestDeserialize: request.deserialize,
      responseSerialize: response.serialize,
      responseDeserialize: response.deserialize,
    });
    const definition = {
      StreamAggregatedResources: method('StreamAggregatedResources', type('DiscoveryRequest'), type('DiscoveryResponse')),
      DeltaAggregatedResources: method('DeltaAggregatedResources', type('DeltaDiscoveryRequest'), type('DeltaDiscoveryResponse')),
    } as grpc.ServiceDefinition;
    this.server.addService(definition, {
      StreamAggregatedResources: (call: Stream) => this.stateOfTheWorld(call),
      DeltaAggregatedResources: (call: Stream) => this.incremental(call),
    });
  }

  /** Binds `host:port` (port 0 for a free one) and answers with the bound address. */
  listen(address: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) reject(new DriftError(ErrorCodes.ADS_SERVER, `ADS: cannot listen on ${address} (${error.message})`, { cause: error }));
        else resolve(`${address.slice(0, address.lastIndexOf(':'))}:${port}`);
      });
    });
  }

  get streams(): number {
    return this.pushers.size;
  }

  get version(): string | undefined {
    return this.snapshot?.version;
  }

  /** Serves `snapshot` from now on; resolves per response sent, with the proxy's answer to it. */
  publish(snapshot: AdsSnapshot): Array<Promise<PushAnswer>> {
    this.snapshot = snapshot;
    return [...this.pushers].flatMap((push) => push(snapshot));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A proxy never ends its ADS stream by itself, so a graceful shutdown would wait forever.
    this.server.forceShutdown();
  }

  private send(call: Stream, typeUrl: string, version: string, body: Message): Promise<PushAnswer> {
    const nonce = String(++this.nonce);
    const answered = new Promise<PushAnswer>((resolve) => this.pending.set(nonce, resolve));
    call.write({ ...body, type_url: typeUrl, nonce });
    return answered.then((a) => ({ ...a, typeUrl, version }));
  }

  private answer(nonce: unknown, typeUrl: string, version: string, nack: string | undefined): boolean {
    const resolve = typeof nonce === 'string' ? this.pending.get(nonce) : undefined;
    if (!resolve) return false;
    this.pending.delete(nonce as string);
    resolve({ typeUrl, version, ...(nack !== undefined ? { nack } : {}) });
    return true;
  }

  private attach(call: Stream, push: (snapshot: AdsSnapshot) => Array<Promise<PushAnswer>>, onRequest: (request: Message) => void): void {
    this.pushers.add(push);
    const detach = () => this.pushers.delete(push);
    call.on('data', onRequest);
    call.on('end', () => {
      detach();
      call.end();
    });
    call.on('error', detach);
    call.on('cancelled', detach);
  }

  private stateOfTheWorld(call: Stream): void {
    const subscriptions = new Map<string, { names: string[]; nonce?: string }>();
    const respond = (typeUrl: string, snapshot: AdsSnapshot): Promise<PushAnswer> => {
      const subscription = subscriptions.get(typeUrl)!;
      const all = snapshot.resources.get(typeUrl) ?? [];
      const served = subscription.names.length === 0 ? all : all.filter((r) => subscription.names.includes(r.name));
      const sent = this.send(call, typeUrl, snapshot.version, { version_info: snapshot.version, resources: served.map(toAny) });
      subscription.nonce = String(this.nonce);
      return sent;
    };
    this.attach(
      call,
      (snapshot) => [...subscriptions.keys()].map((typeUrl) => respond(typeUrl, snapshot)),
      (request) => {
        const typeUrl = String(request['type_url'] ?? '');
        const names = ((request['resource_names'] as string[] | undefined) ?? []).filter((n) => n !== '*');
        const known = subscriptions.get(typeUrl);
        const nonce = request['response_nonce'];
        if (known && nonce) {
          // A stale nonce answers a response already superseded: nothing to do.
          if (nonce !== known.nonce) return;
          this.answer(nonce, typeUrl, String(request['version_info'] ?? ''), nackOf(request));
          if (names.join('\n') === known.names.join('\n')) return;
        }
        subscriptions.set(typeUrl, { names, ...(known?.nonce ? { nonce: known.nonce } : {}) });
        if (this.snapshot) void respond(typeUrl, this.snapshot);
      },
    );
  }

  private incremental(call: Stream): void {
    const subscriptions = new Map<string, { wildcard: boolean; names: Set<string>; sent: Map<string, string> }>();
    const nonceVersions = new Map<string, string>();
    const respond = (typeUrl: string, snapshot: AdsSnapshot, always: boolean): Promise<PushAnswer> | undefined => {
      const subscription = subscriptions.get(typeUrl)!;
      const wanted = (snapshot.resources.get(typeUrl) ?? []).filter((r) => subscription.wildcard || subscription.names.has(r.name));
      const changed = wanted.filter((r) => subscription.sent.get(r.name) !== r.hash);
      const removed = [...subscription.sent.keys()].filter((name) => !wanted.some((r) => r.name === name));
      if (!always && changed.length === 0 && removed.length === 0) return undefined;
      for (const r of changed) subscription.sent.set(r.name, r.hash);
      for (const name of removed) subscription.sent.delete(name);
      const sent = this.send(call, typeUrl, snapshot.version, {
        system_version_info: snapshot.version,
        resources: changed.map((r) => ({ name: r.name, version: r.hash, resource: toAny(r) })),
        removed_resources: removed,
      });
      nonceVersions.set(String(this.nonce), snapshot.version);
      return sent;
    };
    this.attach(
      call,
      (snapshot) => [...subscriptions.keys()].flatMap((typeUrl) => respond(typeUrl, snapshot, false) ?? []),
      (request) => {
        const typeUrl = String(request['type_url'] ?? '');
        const subscribe = (request['resource_names_subscribe'] as string[] | undefined) ?? [];
        const unsubscribe = (request['resource_names_unsubscribe'] as string[] | undefined) ?? [];
        let subscription = subscriptions.get(typeUrl);
        const first = !subscription;
        if (!subscription) {
          const initial = isPlainObject(request['initial_resource_versions']) ? request['initial_resource_versions'] : {};
          subscription = { wildcard: subscribe.length === 0 || subscribe.includes('*'), names: new Set(), sent: new Map(Object.entries(initial).map(([k, v]) => [k, String(v)])) };
          subscriptions.set(typeUrl, subscription);
        }
        const nonce = request['response_nonce'];
        if (typeof nonce === 'string' && nonce !== '') this.answer(nonce, typeUrl, nonceVersions.get(nonce) ?? '', nackOf(request));
        for (const name of subscribe) if (name === '*') subscription.wildcard = true; else subscription.names.add(name);
        for (const name of unsubscribe) if (name === '*') subscription.wildcard = false; else subscription.names.delete(name);
        if (!first && subscribe.length === 0 && unsubscribe.length === 0) return;
        if (this.snapshot) void respond(typeUrl, this.snapshot, first);
      },
    );
  }
}
