import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import { DriftError, ErrorCodes } from '../errors.js';

/**
 * The Envoy API type registry. Envoy's .proto files come from the pinned
 * `@grpc/grpc-js-xds` package (its `deps/` folder); nothing upstream is copied
 * into this repository. Imports that cannot be found (OpenCensus,
 * OpenTelemetry and Prometheus protos are not shipped there) are skipped, and
 * the few types that need them stay unresolvable: the canonicaliser treats
 * those exactly like a type it has never heard of.
 */
export interface EnvoyRegistry {
  readonly root: protobuf.Root;
  /** Type by full name (`envoy.config.cluster.v3.Cluster`) or type URL. */
  lookupType(nameOrTypeUrl: string): protobuf.Type | undefined;
  readonly fileCount: number;
}

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

function protoSearchRoots(): string[] {
  const deps = join(packageDir('@grpc/grpc-js-xds'), 'deps');
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'protoc-gen-validate'),
    join(deps, 'googleapis'),
    packageDir('protobufjs'),
  ];
}

function listProtoFiles(dir: string, accept: (relative: string) => boolean, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listProtoFiles(join(dir, entry.name), accept, relative));
    else if (entry.name.endsWith('.proto') && accept(relative)) found.push(relative);
  }
  return found;
}

export function typeNameFromUrl(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash >= 0 ? typeUrl.slice(slash + 1) : typeUrl;
}

let cached: EnvoyRegistry | undefined;

/** Loads the registry once per process (about half a second). */
export function envoyRegistry(): EnvoyRegistry {
  cached ??= loadRegistry();
  return cached;
}

function loadRegistry(): EnvoyRegistry {
  const roots = protoSearchRoots();
  const [envoyApi, xds] = roots as [string, string];
  if (!existsSync(join(envoyApi, 'envoy'))) {
    throw new DriftError(ErrorCodes.PROTO_REGISTRY, `Envoy API protos not found under ${envoyApi}: reinstall dependencies (npm ci)`);
  }
  const entryFiles = [
    ...listProtoFiles(join(envoyApi, 'envoy'), (p) => /(^|\/)v3\//.test(p), 'envoy'),
    ...listProtoFiles(join(xds, 'xds'), (p) => /(^|\/)v3\//.test(p), 'xds'),
    ...listProtoFiles(join(xds, 'udpa'), () => true, 'udpa'),
    'google/protobuf/descriptor.proto',
  ];
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string | null => {
    for (const base of roots) {
      const candidate = join(base, target);
      if (existsSync(candidate)) return candidate;
    }
    return null;
  };
  let fileCount = 0;
  for (const file of entryFiles) {
    try {
      root.loadSync(file, { keepCase: true, alternateCommentMode: false });
      fileCount += 1;
    } catch (e) {
      if (process.env.DEBUG_PROTO) console.error(file, (e as Error).message);
      // A file whose own syntax or imports cannot be loaded contributes no
      // types; values of those types are kept as opaque canonical JSON.
    }
  }
  const cache = new Map<string, protobuf.Type | undefined>();
  const lookupType = (nameOrTypeUrl: string): protobuf.Type | undefined => {
    const name = typeNameFromUrl(nameOrTypeUrl);
    if (cache.has(name)) return cache.get(name);
    let found: protobuf.Type | undefined;
    try {
      const reflected = root.lookup(name.startsWith('.') ? name : `.${name}`);
      if (reflected instanceof protobuf.Type) {
        reflected.resolveAll();
        found = reflected;
      }
    } catch {
      found = undefined;
    }
    cache.set(name, found);
    return found;
  };
  return { root, lookupType, fileCount };
}
