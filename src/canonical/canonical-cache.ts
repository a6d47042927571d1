import type { JsonValue } from './canonical-json.js';
import { hashValue } from './hash.js';

/** What canonicalising one raw message produced, so a repeat costs a lookup. */
export interface CachedCanonical {
  readonly value: JsonValue;
  readonly unknownFields: number;
  readonly unknownTypes: ReadonlyArray<readonly [string, number]>;
  readonly redactedFields: number;
}

/**
 * What canonicalising a raw message produced, by a digest of its text, for the
 * agent's repeated checks of a proxy whose resources mostly did not change.
 * An entry is a canonical form by default; the resource set's builder keeps
 * the hashed resources a message became instead (resources/resource-set.ts),
 * which holds no tree for a resource that agrees with the declaration. Entries
 * not used during the last check are dropped by `sweep`, so the cache never
 * outgrows one dump. Cached values are shared: callers must not mutate them.
 */
export class CanonicalCache<Entry = CachedCanonical> {
  private entries = new Map<string, Entry>();
  private used = new Set<string>();
  hits = 0;
  misses = 0;

  /**
   * The key of a raw message: a digest of its type and text, not the text
   * itself, which would keep a second copy of the dump (issue 9). The text
   * with its keys sorted: Envoy writes maps and Structs (the node's build
   * metadata in every bootstrap) in a different order from one dump to the
   * next, and the text as written missed the bootstrap at every check.
   */
  static key(type: string, raw: unknown): string {
    return hashValue([type, raw as JsonValue]);
  }

  /** The entry for `key` when there is one `usable` accepts (a miss otherwise). */
  get(key: string, usable: (entry: Entry) => boolean = () => true): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && usable(entry)) {
      this.hits++;
      this.used.add(key);
      return entry;
    }
    this.misses++;
    return undefined;
  }

  set(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.used.add(key);
  }

  /** Forgets what the last check did not use. */
  sweep(): void {
    for (const key of this.entries.keys()) if (!this.used.has(key)) this.entries.delete(key);
    this.used = new Set();
  }

  get size(): number {
    return this.entries.size;
  }
}
