import { isPlainObject, type JsonValue } from '../canonical/canonical-json.js';
import type { ResourceType } from '../resources/resource.js';
import type { DriftKind, DriftPath } from './drift.js';
import { splitPointer } from '../declared/path-pattern.js';
import { maxSeverity, type Severity } from '../common/severity-levels.js';

export interface SeverityInput {
  readonly kind: DriftKind;
  readonly resourceType: ResourceType;
  readonly paths: readonly DriftPath[];
  readonly declared?: JsonValue;
  readonly live?: JsonValue;
  /** Clusters the declaration has, when clusters are declared at all. */
  readonly declaredClusters?: ReadonlySet<string>;
}

export interface SeverityVerdict {
  readonly severity: Severity;
  readonly reasons: string[];
}

const ACCESS_CONTROL = /ext_authz|rbac/i;
const CORS = /cors/i;
const TLS_CONTEXT = /transport_sockets\.tls\.v3\.(Downstream|Upstream)TlsContext/;

function baseSeverity(kind: DriftKind, type: ResourceType): Severity {
  switch (kind) {
    case 'removed':
      return type === 'runtime' ? 'medium' : 'high';
    case 'rejected':
    case 'stale':
      return 'high';
    case 'added':
    case 'modified':
    case 'warming':
      return 'medium';
  }
}

/** Labels (filter names, `@type`s, keys) on the way from the root to a path, on either side. */
function labelsAlong(roots: ReadonlyArray<JsonValue | undefined>, path: string): string[] {
  const labels: string[] = [];
  let nodes = [...roots];
  const visit = (node: JsonValue | undefined) => {
    if (!isPlainObject(node)) return;
    for (const key of ['name', '@type']) if (typeof node[key] === 'string') labels.push(node[key] as string);
  };
  nodes.forEach(visit);
  for (const segment of splitPointer(path)) {
    labels.push(segment);
    nodes = nodes.map((n) => (Array.isArray(n) ? n[Number(segment)] : isPlainObject(n) ? n[segment] : undefined));
    nodes.forEach(visit);
  }
  return labels;
}

/** Whether a subtree contains a labelled element matching the pattern. */
function contains(value: JsonValue | undefined, pattern: RegExp): boolean {
  if (Array.isArray(value)) return value.some((v) => contains(v, pattern));
  if (!isPlainObject(value)) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (pattern.test(key)) return true;
    if ((key === 'name' || key === '@type') && typeof inner === 'string' && pattern.test(inner)) return true;
    if (contains(inner, pattern)) return true;
  }
  return false;
}

function clusterReferences(value: JsonValue | undefined, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => clusterReferences(v, out));
  else if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'cluster' && typeof inner === 'string') out.add(inner);
      else if (key === 'weighted_clusters' && isPlainObject(inner) && Array.isArray(inner['clusters'])) {
        for (const c of inner['clusters']) if (isPlainObject(c) && typeof c['name'] === 'string') out.add(c['name']);
      } else clusterReferences(inner, out);
    }
  }
  return out;
}

const WIDENING_CORS_FIELDS = /allow_origin_string_match|allow_origin|allow_methods|allow_headers|expose_headers|allow_private_network_access/;

/**
 * Severity of a finding, with security-relevant changes marked critical:
 * ext_authz or RBAC removed, disabled or failing open; a TLS context removed
 * or weakened; a new listener address or domain; a route to a cluster the
 * declaration does not have; CORS widened.
 */
export function assessSeverity(input: SeverityInput): SeverityVerdict {
  let severity = baseSeverity(input.kind, input.resourceType);
  const reasons: string[] = [];
  const raise = (to: Severity, reason: string) => {
    severity = maxSeverity(severity, to);
    if (!reasons.includes(reason)) reasons.push(reason);
  };
  const { kind, resourceType, declared, live } = input;

  if (resourceType === 'listener' && kind === 'added') raise('critical', 'new listener address');
  if (resourceType === 'virtual_host' && kind === 'added') raise('critical', 'new virtual host (new domains)');
  if (kind === 'removed' && contains(declared, ACCESS_CONTROL)) raise('critical', 'access control (ext_authz / RBAC) removed');
  if (kind === 'removed' && contains(declared, TLS_CONTEXT)) raise('critical', 'TLS context removed');

  for (const diff of input.paths) {
    const labels = labelsAlong([declared, live], diff.path).join('\u0000');
    const segments = splitPointer(diff.path);
    const last = segments.at(-1) ?? '';
    if (resourceType === 'listener' && (segments[0] === 'address' || segments[0] === 'additional_addresses')) raise('critical', 'listener address changed');
    if (resourceType === 'virtual_host' && segments[0] === 'domains' && diff.live !== undefined) raise('critical', 'new domain on a virtual host');
    if (ACCESS_CONTROL.test(labels) || contains(diff.declared, ACCESS_CONTROL) || contains(diff.live, ACCESS_CONTROL)) {
      if (diff.live === undefined && contains(diff.declared, ACCESS_CONTROL)) raise('critical', 'access control (ext_authz / RBAC) removed');
      else if (last === 'disabled' && diff.live === true) raise('critical', 'access control (ext_authz / RBAC) disabled');
      else if (last === 'failure_mode_allow' && diff.live === true) raise('critical', 'ext_authz fails open');
      else if (/shadow_rules|filter_enabled|action|policies|rules|principals|permissions/.test(labels) || ACCESS_CONTROL.test(labels)) {
        raise('critical', 'access control (ext_authz / RBAC) policy changed');
      }
    }
    if (TLS_CONTEXT.test(labels) || last === 'transport_socket' || contains(diff.declared, TLS_CONTEXT)) {
      if (diff.live === undefined && (contains(diff.declared, TLS_CONTEXT) || last === 'transport_socket')) raise('critical', 'TLS context removed');
      else if (/require_client_certificate|require_sni/.test(last) && diff.live !== true) raise('critical', 'TLS weakened (client certificate no longer required)');
      else if (/validation_context|trusted_ca|match_subject_alt_names|match_typed_subject_alt_names|verify_certificate/.test(labels) && diff.live === undefined) raise('critical', 'TLS weakened (peer validation removed)');
      else if (last === 'tls_minimum_protocol_version' || last === 'trust_chain_verification' || last === 'cipher_suites') raise('critical', 'TLS weakened (protocol, ciphers or trust)');
      else raise('high', 'TLS settings changed');
    }
    if (CORS.test(labels)) {
      const widened = (WIDENING_CORS_FIELDS.test(labels) && diff.live !== undefined) || (last === 'allow_credentials' && diff.live === true) || (diff.live === undefined && segments.includes('cors') === false && contains(diff.declared, CORS));
      raise(widened ? 'critical' : 'high', widened ? 'CORS widened' : 'CORS policy changed');
    }
  }

  if ((resourceType === 'virtual_host' || resourceType === 'route_configuration' || resourceType === 'listener') && input.declaredClusters && live !== undefined) {
    const undeclared = [...clusterReferences(live)].filter((c) => !input.declaredClusters!.has(c));
    if (undeclared.length > 0) raise('critical', `routes to undeclared cluster ${undeclared.sort().join(', ')}`);
  }
  return { severity, reasons };
}
