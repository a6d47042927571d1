import { createHmac } from 'node:crypto';

/**
 * The one signing scheme of every webhook envoy-drift calls (the webhook
 * sink, the remediation webhook). With a shared secret, each POST carries
 *
 *   X-Envoy-Drift-Timestamp: <unix seconds>
 *   X-Envoy-Drift-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
 *
 * The timestamp is inside the signed bytes, so a receiver that refuses old
 * timestamps also refuses a replayed request.
 */
export const SIGNATURE_HEADER = 'x-envoy-drift-signature';
export const TIMESTAMP_HEADER = 'x-envoy-drift-timestamp';

/** The signature header's value for a body sent at `timestamp` (unix seconds, as sent). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Both headers for a body sent now. */
export function signatureHeaders(secret: string, body: string, now: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body) };
}
