/** What stands in for a secret value in every output: Envoy's own admin spelling, so declared and live sides compare equal. */
export const REDACTED = '[redacted]';
