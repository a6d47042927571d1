// The Envoy API the registry carried before proto/envoy-api: every v3 .proto
// file of @grpc/grpc-js-xds 1.14.1 (mid-2024, about Envoy 1.31) parsed by
// protobufjs at start, as src/proto/envoy-registry.ts once did. Kept for two
// comparisons only: the tests diff it against today's API to find the fields
// added since, and bench/registry.mjs measures what it cost.
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

function protoFiles(base, prefix, accept) {
  return readdirSync(join(base, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return protoFiles(base, relative, accept);
    return entry.name.endsWith('.proto') && accept(relative) ? [relative] : [];
  });
}

let cached;

/** The previous registry's root; files whose imports the package lacks contribute no types, as before. */
export function previousEnvoyApi() {
  if (cached) return cached;
  const deps = join(packageDir('@grpc/grpc-js-xds'), 'deps');
  const roots = ['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => join(deps, d)).concat(packageDir('protobufjs'));
  const v3 = (p) => /\/v3\//.test(p);
  const files = [...protoFiles(roots[0], 'envoy', v3), ...protoFiles(roots[1], 'xds', v3), ...protoFiles(roots[1], 'udpa', () => true), 'google/protobuf/descriptor.proto'];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => roots.map((base) => join(base, target)).find((candidate) => existsSync(candidate)) ?? null;
  for (const file of files) {
    try {
      root.loadSync(file, { keepCase: true, alternateCommentMode: false });
    } catch {
      // as before: the type stays unresolvable
    }
  }
  cached = root;
  return root;
}

/** Field names the previous API had on a message, or undefined if it had no such message. */
export function previousFields(typeName) {
  try {
    return new Set(Object.keys(previousEnvoyApi().lookupType(typeName).fields));
  } catch {
    return undefined;
  }
}
