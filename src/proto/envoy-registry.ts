import protobuf from 'protobufjs';
import { DriftError, ErrorCodes } from '../errors.js';
import { readApiTypes, type ApiTypes } from './api-types.js';

/**
 * The Envoy API type registry. The types come from proto/envoy-api/, which
 * scripts/api-types/refresh.mjs generates from the pinned go-control-plane
 * release (source.json records module, version and checksums): one line of
 * protobufjs JSON per message or enum. Reflection objects cost memory and
 * time, so a type is built only when something looks it up or resolves a
 * field of that type: a check of a few listeners builds a few hundred of the
 * API's 1,700-odd types.
 */
export interface EnvoyRegistry {
  readonly root: protobuf.Root;
  /** Type by full name (`envoy.config.cluster.v3.Cluster`) or type URL. */
  lookupType(nameOrTypeUrl: string): protobuf.Type | undefined;
  /** Whether the API knows a message or enum of this full name, without building it. */
  hasType(nameOrTypeUrl: string): boolean;
  /** Envoy release whose API this is (`1.40`). */
  readonly apiVersion: string;
  readonly fileCount: number;
  readonly typeCount: number;
}

export function typeNameFromUrl(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash >= 0 ? typeUrl.slice(slash + 1) : typeUrl;
}

let cached: EnvoyRegistry | undefined;

/** Loads the registry once per process; types are built on first use. */
export function envoyRegistry(): EnvoyRegistry {
  cached ??= createRegistry(readRequired());
  return cached;
}

function readRequired(): ApiTypes {
  const result = readApiTypes();
  if (!result.ok) throw new DriftError(ErrorCodes.PROTO_REGISTRY, result.error.message, { cause: result.error });
  return result.value;
}

type LookupImpl = (path: string[], flatPath: string) => protobuf.ReflectionObject | null;

export function createRegistry(api: ApiTypes): EnvoyRegistry {
  const root = new protobuf.Root();
  const rootWithLookup = root as unknown as { _lookupImpl: LookupImpl };
  const baseLookup = rootWithLookup._lookupImpl;

  /** Adds the type (and, for a nested type, its enclosing message) to the root. */
  const materialise = (fullName: string): boolean => {
    const json = api.definition(fullName);
    if (!json) return false;
    const cut = fullName.lastIndexOf('.');
    const parentName = fullName.slice(0, cut);
    const simpleName = fullName.slice(cut + 1);
    let parent: protobuf.Namespace;
    if (api.has(parentName)) {
      const enclosing = root.lookup(parentName);
      if (!(enclosing instanceof protobuf.Type)) return false;
      parent = enclosing;
    } else {
      parent = parentName ? root.define(parentName.slice(1)) : root;
    }
    if (parent.get(simpleName)) return true;
    const built = 'values' in json ? protobuf.Enum.fromJSON(simpleName, json as unknown as protobuf.IEnum) : protobuf.Type.fromJSON(simpleName, { fields: {}, ...json } as protobuf.IType);
    // protobufjs hands a nested type its edition only when the enclosing one
    // resolves; a type built on its own needs it set (source lines name proto2).
    (built as unknown as { _edition: string })._edition = typeof json['edition'] === 'string' ? json['edition'] : 'proto3';
    parent.add(built);
    return true;
  };

  // Every lookup, relative or absolute, ends at the root; a miss there is the
  // moment to build the type. protobufjs clears the lookup caches on add.
  rootWithLookup._lookupImpl = function lookupImpl(this: protobuf.Root, path: string[], flatPath: string) {
    const found = baseLookup.call(this, path, flatPath);
    if (found || !materialise(`.${flatPath}`)) return found;
    return baseLookup.call(this, path, flatPath);
  };

  const cache = new Map<string, protobuf.Type | undefined>();
  const lookupType = (nameOrTypeUrl: string): protobuf.Type | undefined => {
    const name = typeNameFromUrl(nameOrTypeUrl).replace(/^\./, '');
    if (cache.has(name)) return cache.get(name);
    let found: protobuf.Type | undefined;
    if (api.has(`.${name}`)) {
      const reflected = root.lookup(`.${name}`);
      if (reflected instanceof protobuf.Type) {
        reflected.resolveAll();
        found = reflected;
      }
    }
    cache.set(name, found);
    return found;
  };
  const hasType = (nameOrTypeUrl: string): boolean => api.has(`.${typeNameFromUrl(nameOrTypeUrl).replace(/^\./, '')}`);
  return { root, lookupType, hasType, apiVersion: api.source.envoyApi, fileCount: api.source.files, typeCount: api.source.types };
}
