import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { transportFailure } from '../../common/http-failure.js';
import { signatureHeaders } from '../../common/webhook-signature.js';
import { resourceSetRoot } from '../../resources/resource-set.js';
import { asDriftError, DriftError, ErrorCodes, fail, ok, type Result } from '../../errors.js';
import type { RemediationConfig } from '../remediation-config.js';
import { findingKey, type Mechanism, type RevertTarget } from './mechanism.js';

/**
 * What the owner of the config is sent: which service and findings to
 * re-apply, never field values (they may hold secrets).
 */
export function webhookPayload(target: RevertTarget, now: Date): Record<string, unknown> {
  return {
    type: 'envoy-drift.remediation.request',
    remediationId: target.remediationId,
    requestedAt: now.toISOString(),
    service: target.service,
    proxy: { ...(target.live.proxy.nodeId ? { nodeId: target.live.proxy.nodeId } : {}), ...(target.live.proxy.cluster ? { cluster: target.live.proxy.cluster } : {}), admin: target.live.proxy.admin },
    declaredRoot: resourceSetRoot(target.declared.set),
    findings: target.findings.map((f) => ({ key: findingKey(f), kind: f.kind, severity: f.severity, paths: f.paths.map((p) => p.path) })),
  };
}

/**
 * Control-plane managed config: the agent cannot write it, so it asks the
 * owner (a CI/CD pipeline, a GitOps sync API) to re-apply, and the next
 * check verifies. Any 2xx answer is taken as "re-applying". Signed as the
 * webhook sink signs (src/common/webhook-signature.ts) when a secret is set.
 */
export class WebhookMechanism implements Mechanism {
  readonly name = 'webhook' as const;

  constructor(
    private readonly config: NonNullable<RemediationConfig['webhook']>,
    private readonly now: () => Date,
  ) {}

  cannot(): string | undefined {
    return undefined;
  }

  describe(target: RevertTarget): string {
    return `POST ${this.config.url} asking to re-apply ${target.findings.length} finding(s) of ${target.service}`;
  }

  async apply(target: RevertTarget): Promise<Result<string>> {
    const body = JSON.stringify(webhookPayload(target, this.now()));
    let headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'envoy-drift' };
    try {
      // Read on every call, so a rotated secret is picked up without a restart.
      if (this.config.secretFile) headers = { ...headers, ...signatureHeaders((await readFile(this.config.secretFile, 'utf8')).trim(), body, this.now().getTime()) };
    } catch (error) {
      const cause = asDriftError(error);
      return fail(new DriftError(ErrorCodes.WEBHOOK_FAILED, `webhook ${this.config.url}: cannot read the secret (${cause.message})`, { cause }));
    }
    try {
      const response = await request(this.config.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.config.timeoutMs),
        headersTimeout: this.config.timeoutMs,
        bodyTimeout: this.config.timeoutMs,
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) {
        return fail(new DriftError(ErrorCodes.WEBHOOK_FAILED, `webhook ${this.config.url}: HTTP ${response.statusCode}`));
      }
      return ok(`${this.config.url} answered ${response.statusCode}`);
    } catch (error) {
      const failure = transportFailure(error);
      const reason = failure.kind === 'unreachable' ? `unreachable (${failure.reason})` : `no answer within ${this.config.timeoutMs} ms`;
      return fail(new DriftError(ErrorCodes.WEBHOOK_FAILED, `webhook ${this.config.url}: ${reason}`, { cause: asDriftError(error) }));
    }
  }

  async close(): Promise<void> {}
}
