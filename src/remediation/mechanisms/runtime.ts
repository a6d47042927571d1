import { isPlainObject } from '../../canonical/canonical-json.js';
import type { Drift } from '../../compare/drift.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import type { AdminClient } from '../../envoy-admin/admin-client.js';
import type { LiveState } from '../../envoy-admin/live-state.js';
import { asDriftError, DriftError, ErrorCodes, fail, ok, type Result } from '../../errors.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import type { Mechanism, RevertTarget } from './mechanism.js';

function adminOverride(set: ResourceSet, key: string): string | undefined {
  const value = set.resources.get(`runtime/${key}`)?.value;
  return isPlainObject(value) && typeof value['admin_override'] === 'string' ? value['admin_override'] : undefined;
}

/**
 * Runtime keys through the admin layer: `/runtime_modify` with `key=value`
 * restores a declared override, and a key without a value removes an
 * override nobody declared.
 */
export class RuntimeMechanism implements Mechanism {
  readonly name = 'runtime' as const;

  constructor(private readonly admin: AdminClient) {}

  cannot(finding: Drift, declared: DeclaredSnapshot, live: LiveState): string | undefined {
    if (finding.resourceType !== 'runtime') return 'not a runtime key';
    const key = finding.name;
    if (adminOverride(declared.set, key) === undefined && adminOverride(live.set, key) === undefined) {
      return `runtime/${key}: the difference is in a static or disk layer, which only a restart with the declared bootstrap restores`;
    }
    return undefined;
  }

  /** The query of one `/runtime_modify`: an empty value removes the key from the admin layer. */
  changes(target: RevertTarget): Record<string, string> {
    const params: Record<string, string> = {};
    for (const finding of target.findings) params[finding.name] = adminOverride(target.declared.set, finding.name) ?? '';
    return params;
  }

  describe(target: RevertTarget): string {
    const parts = Object.entries(this.changes(target)).map(([key, value]) => (value === '' ? `remove ${key}` : `set ${key}=${value}`));
    return `POST /runtime_modify: ${parts.join(', ')}`;
  }

  async apply(target: RevertTarget): Promise<Result<string>> {
    try {
      await this.admin.post('/runtime_modify', this.changes(target));
      return ok(this.describe(target));
    } catch (error) {
      const cause = asDriftError(error);
      return fail(new DriftError(ErrorCodes.REMEDIATION_APPLY, `runtime: ${cause.message}`, { cause }));
    }
  }

  async close(): Promise<void> {}
}
