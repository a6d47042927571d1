import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Pod, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { Manifest } from './helm.js';

interface Model {
  validate(): void;
}

// Every kind the chart (and the sidecar fixture) may render. A kind missing
// here fails validation: a new template must bring its schema along.
const models: Record<string, new (data: never) => Model> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Validates one manifest against the Kubernetes (or prometheus-operator) OpenAPI schema; returns the problem, or undefined. */
export function schemaProblem(manifest: Manifest): string | undefined {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = models[key];
  if (!Model) return `${key} ${manifest.metadata?.name}: no schema known for this kind`;
  try {
    new Model(manifest as never).validate();
    return undefined;
  } catch (error) {
    return `${key} ${manifest.metadata.name}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
