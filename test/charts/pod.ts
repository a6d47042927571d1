import { find, type Manifest } from './helm.js';

// Kubernetes shapes as far as these assertions read them.
export interface Probe {
  httpGet?: { path: string; port: string | number };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: VolumeMount[];
}
export interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number };
  emptyDir?: { sizeLimit?: string };
  persistentVolumeClaim?: { claimName: string };
}
export interface PodSpec {
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes: Volume[];
}

export function podSpec(manifests: readonly Manifest[], name?: string): PodSpec {
  const deployment = find(manifests, 'Deployment', name);
  if (!deployment) throw new Error(`no Deployment${name ? ` ${name}` : ''} rendered`);
  return (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

export function container(spec: PodSpec, name: string): Container {
  const found = spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}; have ${spec.containers.map((c) => c.name).join(', ')}`);
  return found;
}

export function flag(c: Container, name: string): string | undefined {
  const prefix = `--${name}=`;
  return c.args?.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

export function configMapData(manifests: readonly Manifest[], name: string): Record<string, string> {
  const cm = find(manifests, 'ConfigMap', name);
  if (!cm) throw new Error(`no ConfigMap ${name}`);
  return (cm as unknown as { data: Record<string, string> }).data;
}

