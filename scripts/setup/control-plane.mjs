// The real go-control-plane for the control-plane tests: the fixture server in
// test/fixtures/control-plane (go-control-plane's snapshot cache and xDS
// server, pinned by its go.mod/go.sum) built with the machine's Go into
// .tools/control-plane-<hash of the sources>/. Modules, build cache and GOPATH
// stay under .tools/go, so nothing outside the project is written.
// CONTROL_PLANE_BIN overrides it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceDir = join(projectRoot, 'test', 'fixtures', 'control-plane');
const goRoot = join(projectRoot, '.tools', 'go');

function sourceHash() {
  const hash = createHash('sha256');
  for (const name of readdirSync(sourceDir).sort()) hash.update(name).update('\0').update(readFileSync(join(sourceDir, name))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

export function controlPlaneBinary() {
  if (process.env.CONTROL_PLANE_BIN) return process.env.CONTROL_PLANE_BIN;
  return join(projectRoot, '.tools', `control-plane-${sourceHash()}`, 'xds-fixture');
}

export async function setup() {
  if (process.env.CONTROL_PLANE_BIN) return;
  const binary = controlPlaneBinary();
  if (existsSync(binary)) return;
  const env = {
    ...process.env,
    GOPATH: goRoot,
    GOMODCACHE: join(goRoot, 'pkg', 'mod'),
    GOCACHE: join(goRoot, 'cache'),
    GOFLAGS: '-modcacherw -mod=readonly -buildvcs=false',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  try {
    execFileSync('go', ['version'], { env, stdio: 'ignore' });
  } catch {
    throw new Error('go not found on PATH: the control-plane fixture is built with Go (1.26, https://go.dev/dl/)');
  }
  console.log(`setup: building the go-control-plane fixture into ${dirname(binary)} (a few minutes the first time)`);
  mkdirSync(dirname(binary), { recursive: true });
  // Built under a temporary name and renamed: an interrupted build never leaves a binary the check above accepts.
  const partial = `${binary}.partial`;
  rmSync(partial, { force: true });
  execFileSync('go', ['build', '-trimpath', '-o', partial, '.'], { cwd: sourceDir, env, stdio: 'inherit' });
  renameSync(partial, binary);
}
