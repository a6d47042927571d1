import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { compare } from '../../../src/compare/compare.js';
import { loadDeclared, type DeclaredSnapshot } from '../../../src/declared/load-declared.js';
import type { RemediationMode } from '../../../src/declared/manifest.js';
import { adminClient } from '../../../src/cli/shared.js';
import type { AdminClient } from '../../../src/envoy-admin/admin-client.js';
import { readLiveState } from '../../../src/envoy-admin/live-state.js';
import { envoyRegistry } from '../../../src/proto/envoy-registry.js';
import { parseRemediationConfig } from '../../../src/remediation/remediation-config.js';
import { Remediator, type RemediationInput } from '../../../src/remediation/remediator.js';
import type { RemediationEvent } from '../../../src/remediation/remediation-event.js';
import { eventually } from '../../helpers/eventually.js';
import type { Teardown } from '../../helpers/http-server.js';
import { workdir } from '../../helpers/workdir.js';

const registry = envoyRegistry();

/** Writes documents (objects as YAML, strings as they are) into a fresh folder, removed when the test ends, and loads it as a declaration. */
export async function declare(t: Teardown, files: Record<string, unknown>): Promise<{ dir: string; declared: DeclaredSnapshot }> {
  const dir = workdir(t, 'envoy-drift-declared-');
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), typeof content === 'string' ? content : stringify(content));
  const loaded = await loadDeclared(dir, registry);
  if (!loaded.ok) throw loaded.error;
  return { dir, declared: loaded.value };
}

export interface Harness {
  readonly remediator: Remediator;
  readonly events: RemediationEvent[];
  readonly client: AdminClient;
  /** One check of the live proxy against the declaration, as the agent makes it. */
  check(): Promise<RemediationInput>;
  /** Checks until the proxy is in sync (or not), for changes Envoy applies asynchronously. */
  waitForSync(inSync?: boolean): Promise<RemediationInput>;
  types(): string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly admin: string;
  readonly declared: DeclaredSnapshot;
  readonly config?: unknown;
  readonly defaultMode?: RemediationMode;
  readonly dryRun?: boolean;
  readonly now?: () => Date;
}

export function harness(options: HarnessOptions): Harness {
  const parsed = parseRemediationConfig(options.config ?? {}, 'test.yaml');
  if (!parsed.ok) throw parsed.error;
  const client = adminClient(options.admin, 5000);
  const events: RemediationEvent[] = [];
  const remediator = new Remediator({
    config: parsed.value,
    defaultMode: options.defaultMode ?? 'revert',
    dryRun: options.dryRun ?? false,
    emit: (event) => events.push(event),
    admin: client,
    ...(options.now ? { now: options.now } : {}),
  });
  const check = async (): Promise<RemediationInput> => {
    const live = await readLiveState(client, registry);
    return { report: compare(options.declared, live), declared: options.declared, live, snapshotValid: true };
  };
  return {
    remediator,
    events,
    client,
    check,
    async waitForSync(inSync = true) {
      return eventually(check, `the proxy ${inSync ? 'in sync' : 'drifted'}`, { timeoutMs: 10_000, until: (input) => input.report.inSync === inSync });
    },
    types: () => events.map((e) => e.type),
    async close() {
      await remediator.close();
      await client.close();
    },
  };
}

