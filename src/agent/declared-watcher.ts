import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Calls back when the declared path may have changed: the file's folder, or
 * the folder itself, is watched, which also sees a Kubernetes ConfigMap
 * update (the `..data` symlink swapped in one rename). Bursts of events are
 * folded into one call.
 */
export class DeclaredWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
  ) {}

  async start(): Promise<void> {
    const info = await stat(this.path);
    const target = info.isDirectory() ? this.path : dirname(this.path);
    this.watcher = watch(target, { persistent: false }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.onChange, this.debounceMs);
      this.timer.unref();
    });
    this.watcher.on('error', () => undefined);
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
