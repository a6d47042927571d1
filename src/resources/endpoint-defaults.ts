import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';

type Json = Record<string, JsonValue>;

/**
 * Envoy dumps a cluster load assignment as it holds it, with the defaults it
 * applied filled in: an empty locality, weight 1 per endpoint, 0 per
 * locality, HEALTHY for a host nobody said anything about, an empty health
 * check config, overprovisioning factor 140. Each of those means the same as
 * leaving it out, so both sides drop them before hashing.
 */
export function withoutEndpointDefaults(value: Json): Json {
  const out: Json = { ...value };
  if (isPlainObject(out['policy'])) {
    const policy: Json = { ...out['policy'] };
    if (policy['overprovisioning_factor'] === 140) delete policy['overprovisioning_factor'];
    if (Object.keys(policy).length === 0) delete out['policy'];
    else out['policy'] = policy;
  }
  if (Array.isArray(out['endpoints'])) out['endpoints'] = out['endpoints'].map(locality);
  return out;
}

function dropEmpty(object: Json, field: string): void {
  if (isPlainObject(object[field]) && Object.keys(object[field] as Json).length === 0) delete object[field];
}

function locality(value: JsonValue): JsonValue {
  if (!isPlainObject(value)) return value;
  const out: Json = { ...value };
  dropEmpty(out, 'locality');
  if (out['load_balancing_weight'] === 0) delete out['load_balancing_weight'];
  if (Array.isArray(out['lb_endpoints'])) out['lb_endpoints'] = out['lb_endpoints'].map(host);
  return out;
}

function host(value: JsonValue): JsonValue {
  if (!isPlainObject(value)) return value;
  const out: Json = { ...value };
  if (out['health_status'] === 'HEALTHY') delete out['health_status'];
  if (out['load_balancing_weight'] === 1) delete out['load_balancing_weight'];
  if (isPlainObject(out['endpoint'])) {
    const endpoint: Json = { ...out['endpoint'] };
    dropEmpty(endpoint, 'health_check_config');
    out['endpoint'] = endpoint;
  }
  return out;
}
