import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const chartDir = join(projectRoot, 'charts', 'envoy-drift');

// The set-up part is the one place that knows where helm lives; a computed
// specifier keeps tsc from asking for types of the .mjs module.
const setupModule = pathToFileURL(join(projectRoot, 'scripts', 'setup', 'helm.mjs')).href;
const { helmBinary } = (await import(setupModule)) as { helmBinary: () => string };

// helm writes a cache and a config of its own; keep them in .tools/, out of $HOME.
const helmHome = join(projectRoot, '.tools', 'helm-home');
mkdirSync(helmHome, { recursive: true });
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

export interface HelmRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[]): HelmRun {
  const run = spawnSync(helmBinary(), args, { encoding: 'utf8', env: helmEnv, timeout: 30_000 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A rendered Kubernetes object, as far as the tests read it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export interface Rendering {
  readonly text: string;
  readonly manifests: readonly Manifest[];
}

export interface RenderOptions {
  readonly chart?: string;
  readonly valuesFiles?: readonly string[];
  /** `--set-json` arguments, `path=json`. */
  readonly setJson?: readonly string[];
  readonly namespace?: string;
  readonly showOnly?: string;
}

function templateArgs(options: RenderOptions): string[] {
  const args = ['template', 'edge', options.chart ?? chartDir, '--namespace', options.namespace ?? 'edge'];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const pair of options.setJson ?? []) args.push('--set-json', pair);
  if (options.showOnly) args.push('--show-only', options.showOnly);
  return args;
}

/** `helm template`, expected to succeed; throws with helm's own message otherwise. */
export function render(options: RenderOptions = {}): Rendering {
  const run = helm(templateArgs(options));
  if (run.status !== 0) throw new Error(`helm template failed (${run.status}): ${run.stderr.trim()}`);
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(run.stdout)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null) manifests.push(value as Manifest);
  }
  return { text: run.stdout, manifests };
}

/** `helm template`, expected to fail; returns helm's error output. */
export function renderFailure(options: RenderOptions): string {
  const run = helm(templateArgs(options));
  if (run.status === 0) throw new Error('helm template succeeded, but a failure was expected');
  return run.stderr;
}

export function ciValues(name: string): string {
  return join(chartDir, 'ci', `${name}-values.yaml`);
}

export function find(manifests: readonly Manifest[], kind: string, name?: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
}
