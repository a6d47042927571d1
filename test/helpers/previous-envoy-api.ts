import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * The Envoy API the registry used to carry: the .proto files of
 * @grpc/grpc-js-xds 1.14.1 (mid-2024, about Envoy 1.31), loaded as the
 * registry once did. Tests diff it against today's registry to find the
 * fields added since, which are the ones a stale registry got wrong.
 */
const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

function protoFiles(dir: string, prefix: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...protoFiles(join(dir, entry.name), relative));
    else if (entry.name.endsWith('.proto') && /\/v3\//.test(relative)) found.push(relative);
  }
  return found;
}

let cached: protobuf.Root | undefined;

export function previousEnvoyApi(): protobuf.Root {
  if (cached) return cached;
  const deps = join(packageDir('@grpc/grpc-js-xds'), 'deps');
  const roots = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => join(deps, d)).concat(packageDir('protobufjs'));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => roots.map((base) => join(base, target)).find((candidate) => existsSync(candidate)) ?? null;
  for (const file of protoFiles(join(roots[0]!, 'envoy'), 'envoy')) {
    try {
      root.loadSync(file, { keepCase: true });
    } catch {
      // A few files import protos the package does not ship; their types count as absent.
    }
  }
  cached = root;
  return root;
}

/** Field names the previous API had on a message, or undefined if it had no such message. */
export function previousFields(typeName: string): Set<string> | undefined {
  try {
    const type = previousEnvoyApi().lookupType(typeName);
    return new Set(Object.keys(type.fields));
  } catch {
    return undefined;
  }
}
