import { typeNameFromUrl } from './envoy-registry.js';

/**
 * Types of Envoy's own versioned API packages (`envoy.….v3.Name`) and of the
 * CNCF xDS/UDPA packages Envoy accepts in typed_config, all of which the
 * registry carries. A name there that the registry lacks is a typo in a
 * declaration, or, on the live side, an Envoy newer than the registry.
 * Vendor extensions stay outside, including those that borrowed the `envoy.`
 * prefix without a version (Istio's `envoy.tcp.metadataexchange.config.MetadataExchange`).
 */
const ENVOY_PACKAGES = /^(envoy|xds|udpa)\.([a-z0-9_]+\.)*v\d+(alpha\d*)?\.[A-Za-z_]/;

export function isEnvoyTypeName(nameOrTypeUrl: string): boolean {
  return ENVOY_PACKAGES.test(typeNameFromUrl(nameOrTypeUrl));
}
