import { readFile } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { TYPE_URL_PREFIX } from '../../canonical/canonicalize.js';
import { isPlainObject } from '../../canonical/canonical-json.js';
import type { Drift } from '../../compare/drift.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import type { LiveState } from '../../envoy-admin/live-state.js';
import { asDriftError, DriftError, ErrorCodes, fail, ok, type Result } from '../../errors.js';
import { TYPE_NAMES } from '../../resources/resource.js';
import { topLevelKey, typeOfKey } from '../top-level-resource.js';
import { findingKey, type Mechanism, type RevertTarget } from './mechanism.js';

type FileType = 'listener' | 'cluster';

const CONFIG_FIELD: Record<FileType, string> = { listener: 'lds_config', cluster: 'cds_config' };

/** The file Envoy watches for a type, from the running bootstrap (what Envoy actually reads), if any. */
export function watchedFile(live: LiveState, type: FileType): string | undefined {
  const bootstrap = live.set.resources.get('bootstrap/bootstrap')?.value;
  const dynamic = isPlainObject(bootstrap) ? bootstrap['dynamic_resources'] : undefined;
  const source = isPlainObject(dynamic) ? dynamic[CONFIG_FIELD[type]] : undefined;
  if (!isPlainObject(source)) return undefined;
  const pathSource = source['path_config_source'];
  const path = isPlainObject(pathSource) ? pathSource['path'] : source['path'];
  return typeof path === 'string' ? path : undefined;
}

/** The declared messages that came from xDS files (they carry `@type`): the content of the watched file. */
export function declaredXdsResources(declared: DeclaredSnapshot, type: FileType): Array<Record<string, unknown>> {
  const typeUrl = `${TYPE_URL_PREFIX}${TYPE_NAMES[type]}`;
  return [...declared.set.sources.entries()]
    .filter(([key, raw]) => typeOfKey(key) === type && isPlainObject(raw) && typeof raw['@type'] === 'string')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, raw]) => ({ ...(raw as Record<string, unknown>), '@type': typeUrl }));
}

/** An integer version goes up by one; anything else is replaced by a time-based one. */
export function nextVersion(previous: unknown, now: Date): string {
  if (typeof previous === 'string' && /^\d+$/.test(previous)) return String(BigInt(previous) + 1n);
  return `envoy-drift-${now.getTime()}`;
}

/**
 * Filesystem xDS (`path_config_source`): the declared resources of a type
 * are written to the file Envoy watches. Envoy reloads on a move into place,
 * so the file is written beside it and renamed over it: Envoy never reads a
 * half-written file.
 */
export class FilesystemXdsMechanism implements Mechanism {
  readonly name = 'filesystem' as const;

  constructor(private readonly now: () => Date) {}

  private fileType(finding: Drift, declared: DeclaredSnapshot, live: LiveState): FileType | string {
    const top = topLevelKey(findingKey(finding), declared.set, live.set);
    const type = typeOfKey(top);
    if (type !== 'listener' && type !== 'cluster') return `${top} is not carried by a listener or cluster file`;
    const source = declared.set.sources.get(top);
    if (source !== undefined && !(isPlainObject(source) && typeof source['@type'] === 'string')) return `${top} is declared in the bootstrap, not in an xDS file`;
    const file = watchedFile(live, type);
    if (!file) return `the proxy has no path_config_source for ${CONFIG_FIELD[type]}`;
    if (!isAbsolute(file)) return `${CONFIG_FIELD[type]} path "${file}" is relative to the proxy's working folder`;
    return type;
  }

  cannot(finding: Drift, declared: DeclaredSnapshot, live: LiveState): string | undefined {
    const type = this.fileType(finding, declared, live);
    return type === 'listener' || type === 'cluster' ? undefined : type;
  }

  private files(target: RevertTarget): Map<string, FileType> {
    const files = new Map<string, FileType>();
    for (const finding of target.findings) {
      const type = this.fileType(finding, target.declared, target.live) as FileType;
      files.set(watchedFile(target.live, type)!, type);
    }
    return files;
  }

  describe(target: RevertTarget): string {
    return [...this.files(target)].map(([file, type]) => `write ${declaredXdsResources(target.declared, type).length} declared ${type}(s) to ${file}`).join('; ');
  }

  async apply(target: RevertTarget): Promise<Result<string>> {
    const done: string[] = [];
    for (const [file, type] of this.files(target)) {
      try {
        const previous = await readFile(file, 'utf8').then((text) => parse(text) as unknown).catch(() => undefined);
        const version = nextVersion(isPlainObject(previous) ? previous['version_info'] : undefined, this.now());
        const document = { version_info: version, resources: declaredXdsResources(target.declared, type) };
        const json = extname(file).toLowerCase() === '.json';
        await writeFileAtomic(file, json ? `${JSON.stringify(document, null, 2)}\n` : stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }));
        done.push(`wrote ${document.resources.length} declared ${type}(s) to ${file} (version ${version})`);
      } catch (error) {
        const cause = asDriftError(error);
        return fail(new DriftError(ErrorCodes.REMEDIATION_APPLY, `filesystem: ${file}: ${cause.message}`, { cause }));
      }
    }
    return ok(done.join('; '));
  }

  async close(): Promise<void> {}
}
