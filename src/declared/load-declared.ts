import { readdir, realpath, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { isPlainObject } from '../canonical/canonical-json.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';
import { typeNameFromUrl, type EnvoyRegistry } from '../proto/envoy-registry.js';
import { addBootstrap } from '../resources/bootstrap.js';
import { resourceTypeOfTypeName, type ResourceType } from '../resources/resource.js';
import { ResourceSetBuilder, resourceSetRoot, type ResourceSet } from '../resources/resource-set.js';
import { isLockDocument, parseLockFile, type LockFile } from './lock-file.js';
import { EMPTY_MANIFEST, isManifestDocument, MANIFEST_API_VERSION, parseManifest, type Manifest } from './manifest.js';
import { DEFAULT_MAX_FILE_BYTES, fileKind, readDocument } from './read-document.js';
import type { ControlPlaneFacts } from './control-plane-facts.js';

/** A declaration in canonical form, with its policy. */
export interface DeclaredSnapshot {
  readonly set: ResourceSet;
  readonly manifest: Manifest;
  readonly sources: readonly string[];
  /** Only hashes are known (a lock file alone): drift is found, field paths are not. */
  readonly hashesOnly: boolean;
  /** Entries of a folder that were not read, each with why (FIFO, dangling symlink, loop). */
  readonly skipped?: readonly string[];
  /** Set when a control plane's intent is (part of) the declaration. */
  readonly controlPlane?: ControlPlaneFacts;
}

export interface LoadOptions {
  readonly maxFileBytes?: number;
  /** Keep the messages as written in `set.sources` (default true): only a remediation reads them. */
  readonly keepSources?: boolean;
}

const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const DISCOVERY_RESOURCE = 'envoy.service.discovery.v3.Resource';

/**
 * Lists the documents of a snapshot folder, following ConfigMap-style
 * symlinks and skipping dot entries (`..data`). Only regular files are read
 * (a FIFO would block forever, a device is no document); a folder reached
 * twice (a symlink loop) is read once. What is passed over is said.
 */
async function listDocuments(dir: string, skipped: string[], seen = new Set<string>()): Promise<string[]> {
  const real = await realpath(dir).catch(() => dir);
  if (seen.has(real)) {
    skipped.push(`${dir}: a folder already read (symlink loop)`);
    return [];
  }
  seen.add(real);
  const found: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      if (DOCUMENT_EXTENSIONS.has(extname(name).toLowerCase())) skipped.push(`${path}: ${info.code === 'ENOENT' ? 'a dangling symlink' : `cannot read (${info.code ?? 'error'})`}`);
      continue;
    }
    if (info.isDirectory()) found.push(...(await listDocuments(path, skipped, seen)));
    else if (!DOCUMENT_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    else if (info.isFile()) found.push(path);
    else skipped.push(`${path}: ${fileKind(info)}, not a regular file`);
  }
  return found;
}

type RuntimeDocument = { admin?: Record<string, unknown> };

function isRuntimeDocument(value: unknown): value is RuntimeDocument {
  return isPlainObject(value) && value['apiVersion'] === MANIFEST_API_VERSION && value['kind'] === 'Runtime';
}

/**
 * Loads a declaration: a bootstrap file, an xDS resource file, a lock file,
 * or a folder of them with an optional manifest. Everything is validated
 * before anything is returned; the first problem is one error naming the
 * file and field.
 */
export async function loadDeclared(path: string, registry: EnvoyRegistry, options: LoadOptions = {}): Promise<Result<DeclaredSnapshot>> {
  try {
    return ok(await load(path, registry, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, options.keepSources ?? true));
  } catch (error) {
    if (error instanceof DriftError) return fail(error);
    throw error;
  }
}

async function load(path: string, registry: EnvoyRegistry, maxBytes: number, keepSources: boolean): Promise<DeclaredSnapshot> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new DriftError(error.code === 'ENOENT' ? ErrorCodes.FILE_NOT_FOUND : ErrorCodes.FILE_UNREADABLE, `${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : `cannot read (${error.code})`}`);
  });
  const skipped: string[] = [];
  const files = info.isDirectory() ? await listDocuments(path, skipped) : [path];
  if (files.length === 0) throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${path}: no .yaml, .yml or .json files in the folder`);
  const builder = new ResourceSetBuilder(registry, undefined, { strictEnvoyTypes: true }, { sources: keepSources });
  const sources: string[] = [];
  let manifest: Manifest = EMPTY_MANIFEST;
  let lock: { value: LockFile; source: string } | undefined;
  let bootstrapSource: string | undefined;
  let resourceDocuments = 0;
  const pending = [...files];
  const loaded = new Set<string>();
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (loaded.has(file)) continue;
    loaded.add(file);
    const display = info.isDirectory() ? join(path, relative(path, file)) : file;
    const document = await readDocument(file, maxBytes);
    if (!document.ok) throw document.error;
    const value = document.value;
    sources.push(display);
    if (isManifestDocument(value)) {
      const parsed = parseManifest(value, display);
      if (!parsed.ok) throw parsed.error;
      if (manifest !== EMPTY_MANIFEST) throw new DriftError(ErrorCodes.MANIFEST, `${display}: a second manifest (the first is ${manifest.source})`);
      manifest = parsed.value;
    } else if (isLockDocument(value)) {
      const parsed = parseLockFile(value, display);
      if (!parsed.ok) throw parsed.error;
      lock = { value: parsed.value, source: display };
    } else if (isRuntimeDocument(value)) {
      resourceDocuments++;
      addRuntimeDocument(builder, value, display);
    } else if (isPlainObject(value) && Array.isArray(value['resources'])) {
      resourceDocuments++;
      addDiscoveryResponse(builder, value['resources'], display);
    } else if (isPlainObject(value)) {
      resourceDocuments++;
      if (bootstrapSource) throw new DriftError(ErrorCodes.SCHEMA, `${display}: a second bootstrap (the first is ${bootstrapSource}); a declaration has at most one`);
      bootstrapSource = display;
      const parts = addBootstrap(builder, value, `${display}: `);
      // A bootstrap given alone brings the xDS files it names, from beside it: never from
      // the path it names, which is the proxy's own file and may be the drifted one.
      if (!info.isDirectory()) {
        for (const reference of parts.xdsPaths) {
          const nearby = join(dirname(file), basename(reference.path));
          if (existsSync(nearby) && !loaded.has(nearby)) pending.push(nearby);
        }
      }
    } else {
      throw new DriftError(ErrorCodes.SCHEMA, `${display}: expected a bootstrap, an xDS resource file, a manifest or a lock file`);
    }
  }
  if (resourceDocuments === 0) {
    if (!lock) throw new DriftError(ErrorCodes.FILE_NOT_FOUND, `${path}: no declared resources (no bootstrap, xDS resource file or lock file)`);
    for (const [key, hash] of Object.entries(lock.value.resources)) {
      const slash = key.indexOf('/');
      builder.addHashed(key.slice(0, slash) as ResourceType, key.slice(slash + 1), hash, lock.source);
    }
    builder.cover(...lock.value.coverage);
    return { set: builder.build(), manifest, sources, hashesOnly: true, ...(skipped.length > 0 ? { skipped } : {}) };
  }
  const set = builder.build();
  if (lock) verifyLock(lock.value, lock.source, set);
  return { set, manifest, sources, hashesOnly: false, ...(skipped.length > 0 ? { skipped } : {}) };
}

function verifyLock(lock: LockFile, source: string, set: ResourceSet): void {
  const root = resourceSetRoot(set);
  if (root === lock.root) return;
  const stale = [...set.resources.values()].find((r) => lock.resources[r.key] !== r.hash)?.key ?? Object.keys(lock.resources).find((k) => !set.resources.has(k));
  throw new DriftError(ErrorCodes.LOCK_MISMATCH, `${source}: /resources${stale ? `/${stale}` : ''}: the lock file does not match the declared files (run envoy-drift hash --declared <dir> --write-lock)`);
}

function addDiscoveryResponse(builder: ResourceSetBuilder, resources: unknown[], file: string): void {
  resources.forEach((item, i) => {
    const where = `${file}: /resources/${i}`;
    if (!isPlainObject(item)) throw new DriftError(ErrorCodes.SCHEMA, `${where}: expected an object with @type`);
    let resource: Record<string, unknown> = item;
    let typeUrl = item['@type'];
    if (typeof typeUrl === 'string' && typeNameFromUrl(typeUrl) === DISCOVERY_RESOURCE) {
      // A wrapped Resource: the message is under `resource`.
      if (!isPlainObject(item['resource'])) throw new DriftError(ErrorCodes.SCHEMA, `${where}/resource: expected an object with @type`);
      resource = item['resource'];
      typeUrl = resource['@type'];
    }
    if (typeof typeUrl !== 'string') throw new DriftError(ErrorCodes.SCHEMA, `${where}/@type: missing`);
    const type = resourceTypeOfTypeName(typeNameFromUrl(typeUrl));
    if (!type || type === 'runtime' || type === 'virtual_host') {
      throw new DriftError(ErrorCodes.UNKNOWN_RESOURCE_TYPE, `${where}/@type: unknown resource type "${typeUrl}" (expected a Listener, Cluster, RouteConfiguration, ClusterLoadAssignment or Secret)`);
    }
    builder.add(type, resource, `${where}`);
    builder.cover(type);
    if (type === 'route_configuration') builder.cover('virtual_host');
  });
}

function addRuntimeDocument(builder: ResourceSetBuilder, value: RuntimeDocument, file: string): void {
  for (const key of Object.keys(value)) {
    if (!['apiVersion', 'kind', 'admin'].includes(key)) throw new DriftError(ErrorCodes.SCHEMA, `${file}: /${key}: unknown field`);
  }
  const admin = value.admin ?? {};
  if (!isPlainObject(admin)) throw new DriftError(ErrorCodes.SCHEMA, `${file}: /admin: expected a map of runtime key to value`);
  for (const [key, raw] of Object.entries(admin)) {
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      throw new DriftError(ErrorCodes.SCHEMA, `${file}: /admin/${key}: expected a string, number or boolean`);
    }
    builder.addRuntimeOverride(key, String(raw));
  }
  builder.cover('runtime');
}

