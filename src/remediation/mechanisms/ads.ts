import { isPlainObject } from '../../canonical/canonical-json.js';
import type { Drift } from '../../compare/drift.js';
import type { DeclaredSnapshot } from '../../declared/load-declared.js';
import type { LiveState } from '../../envoy-admin/live-state.js';
import { DriftError, ErrorCodes, fail, ok, type Result } from '../../errors.js';
import type { EnvoyRegistry } from '../../proto/envoy-registry.js';
import { topLevelKey, typeOfKey } from '../top-level-resource.js';
import { AdsServer } from './ads-server.js';
import { adsSnapshot, isAdsType } from './ads-snapshot.js';
import { findingKey, type Mechanism, type RevertTarget } from './mechanism.js';

/**
 * xDS server mode: the agent is its proxy's control plane. A revert pushes
 * the declared snapshot under a new version and waits for the proxy's
 * answer; a NACK fails the remediation, and one arriving after the wait is
 * reported when the remediation is verified.
 */
export class AdsMechanism implements Mechanism {
  readonly name = 'ads' as const;
  private readonly server: AdsServer;
  private pushes = 0;
  private address: string | undefined;
  private readonly late = new Map<string, string>();

  constructor(
    private readonly registry: EnvoyRegistry,
    private readonly listenOn: string,
    private readonly ackTimeoutMs: number,
  ) {
    this.server = new AdsServer(registry);
  }

  /** Listens and serves the declaration the agent starts with; answers with the bound address. */
  async start(declared: DeclaredSnapshot): Promise<Result<string>> {
    const snapshot = adsSnapshot(declared, this.registry, this.nextVersion());
    if (!snapshot.ok) return fail(new DriftError(ErrorCodes.ADS_SERVER, `ADS: the declaration cannot be served: ${snapshot.error}`));
    this.server.publish(snapshot.value);
    try {
      this.address ??= await this.server.listen(this.listenOn);
    } catch (error) {
      return fail(error as DriftError);
    }
    return ok(this.address);
  }

  cannot(finding: Drift, declared: DeclaredSnapshot, live: LiveState): string | undefined {
    if (!this.address) return 'the ADS server is not running';
    const top = topLevelKey(findingKey(finding), declared.set, live.set);
    if (!isAdsType(typeOfKey(top))) return `${top} is not served over ADS`;
    const source = declared.set.sources.get(top);
    if (source !== undefined && !(isPlainObject(source) && typeof source['@type'] === 'string')) return `${top} is declared in the bootstrap, not served over ADS`;
    return undefined;
  }

  describe(_target: RevertTarget): string {
    return `push the declared snapshot over ADS to ${this.server.streams} connected proxy stream(s) as a new version`;
  }

  async apply(target: RevertTarget): Promise<Result<string>> {
    const snapshot = adsSnapshot(target.declared, this.registry, this.nextVersion());
    if (!snapshot.ok) return fail(new DriftError(ErrorCodes.REMEDIATION_APPLY, `ads: the declaration cannot be served: ${snapshot.error}`));
    if (this.server.streams === 0) {
      this.server.publish(snapshot.value);
      return fail(new DriftError(ErrorCodes.REMEDIATION_APPLY, 'ads: no proxy is connected to the ADS server'));
    }
    const version = snapshot.value.version;
    const answers = Promise.all(this.server.publish(snapshot.value));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.ackTimeoutMs);
      timer.unref();
    });
    const settled = await Promise.race([answers, timeout]);
    clearTimeout(timer);
    if (settled === undefined) {
      void answers.then((all) => {
        const nack = all.find((a) => a.nack !== undefined);
        if (nack) this.late.set(target.remediationId, `ads: version ${version} of ${nack.typeUrl} was NACKed: ${nack.nack}`);
      });
      return ok(`pushed version ${version}; no answer from the proxy within ${this.ackTimeoutMs} ms`);
    }
    const nack = settled.find((a) => a.nack !== undefined);
    if (nack) return fail(new DriftError(ErrorCodes.REMEDIATION_APPLY, `ads: version ${version} of ${nack.typeUrl} was NACKed: ${nack.nack}`));
    // Incremental streams send nothing when an earlier push this check already carried the same resources.
    if (settled.length === 0) return ok(`published version ${version}; the connected proxy already has every declared resource`);
    return ok(`pushed version ${version}; ACKed (${settled.length} response(s))`);
  }

  lateFailure(remediationId: string): string | undefined {
    const reason = this.late.get(remediationId);
    this.late.delete(remediationId);
    return reason;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private nextVersion(): string {
    this.pushes += 1;
    return `envoy-drift-${this.pushes}-${Date.now()}`;
  }
}
