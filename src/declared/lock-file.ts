import { MANIFEST_API_VERSION } from './manifest.js';
import { RESOURCE_TYPES, type ResourceType } from '../resources/resource.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../errors.js';
import { isPlainObject } from '../canonical/canonical-json.js';

export const LOCK_FILE_NAME = 'envoy-drift.lock.json';

/** Hashes of a declaration, so a check can run on hashes alone. */
export interface LockFile {
  readonly apiVersion: typeof MANIFEST_API_VERSION;
  readonly kind: 'Lock';
  readonly root: string;
  readonly coverage: readonly ResourceType[];
  readonly resources: Readonly<Record<string, string>>;
}

export function isLockDocument(value: unknown): boolean {
  return isPlainObject(value) && value['apiVersion'] === MANIFEST_API_VERSION && value['kind'] === 'Lock';
}

export function parseLockFile(value: unknown, source: string): Result<LockFile> {
  const bad = (field: string, message: string) => fail(new DriftError(ErrorCodes.SCHEMA, `${source}: ${field}: ${message}`));
  if (!isPlainObject(value)) return bad('/', 'expected an object');
  for (const key of Object.keys(value)) {
    if (!['apiVersion', 'kind', 'root', 'coverage', 'resources'].includes(key)) return bad(`/${key}`, 'unknown field');
  }
  if (typeof value['root'] !== 'string' || !/^[0-9a-f]{64}$/.test(value['root'])) return bad('/root', 'expected a SHA-256 hex digest');
  const coverage = value['coverage'];
  if (!Array.isArray(coverage) || !coverage.every((t) => (RESOURCE_TYPES as readonly unknown[]).includes(t))) {
    return bad('/coverage', `expected a list of ${RESOURCE_TYPES.join(', ')}`);
  }
  const resources = value['resources'];
  if (!isPlainObject(resources)) return bad('/resources', 'expected an object of resource key to hash');
  for (const [key, hash] of Object.entries(resources)) {
    const type = key.slice(0, key.indexOf('/'));
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) return bad(`/resources/${key}`, 'key must be <type>/<name>');
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return bad(`/resources/${key}`, 'expected a SHA-256 hex digest');
  }
  return ok(value as unknown as LockFile);
}

/** The lock of a declaration: its root, coverage and per-resource hashes. */
export function buildLock(set: { resources: ReadonlyMap<string, { hash: string }>; coverage: ReadonlySet<ResourceType> }, root: string): LockFile {
  const resources: Record<string, string> = {};
  for (const key of [...set.resources.keys()].sort()) resources[key] = set.resources.get(key)!.hash;
  return { apiVersion: MANIFEST_API_VERSION, kind: 'Lock', root, coverage: [...set.coverage].sort(), resources };
}
