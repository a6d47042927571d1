import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Watches the filesystem-xDS files the live bootstrap names
 * (`path_config_source`), where the agent can see them (a shared volume in
 * the pod): a change is known the moment Envoy's own watch sees it, without
 * asking Envoy anything. Each file's folder is watched, since xDS files are
 * replaced by a rename (as Envoy requires). Files the agent cannot see are
 * left to the stats scan.
 */
export class XdsFileWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private watched = '';

  constructor(private readonly onChange: (file: string) => void) {}

  /** Watches exactly these files from now on (the list comes from each check). */
  update(files: readonly string[]): void {
    const visible = [...new Set(files.map((f) => resolve(f)))].filter((f) => existsSync(f)).sort();
    const key = visible.join('\u0000');
    if (key === this.watched) return;
    this.close();
    this.watched = key;
    const byFolder = new Map<string, Set<string>>();
    for (const file of visible) byFolder.set(dirname(file), (byFolder.get(dirname(file)) ?? new Set()).add(basename(file)));
    for (const [folder, names] of byFolder) {
      try {
        const watcher = watch(folder, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.onChange(resolve(folder, name?.toString() ?? ''));
        });
        watcher.on('error', () => undefined);
        this.watchers.set(folder, watcher);
      } catch {
        // Not watchable here (permissions, no inotify): the stats scan still sees the change.
      }
    }
  }

  get files(): number {
    return this.watched ? this.watched.split('\u0000').length : 0;
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.watched = '';
  }
}
