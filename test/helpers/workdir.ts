import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Teardown } from './http-server.js';

/**
 * A fresh folder under the system temp dir, removed when the test ends. Kept
 * out of the project tree on purpose: unix socket paths made inside it must
 * stay under the 107-byte limit.
 */
export function workdir(t: Teardown, prefix = 'envoy-drift-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
