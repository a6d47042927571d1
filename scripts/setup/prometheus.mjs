// The real Prometheus and promtool the chart's alert rules are tested with:
// Debian's `prometheus` package, installed with apt-get when promtool is
// missing. PROMTOOL_BIN and PROMETHEUS_BIN override them. The package's own
// service is never started by the tests; each test runs its own server.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function promtoolBinary() {
  return process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
}

export function prometheusBinary() {
  return process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
}

export async function setup() {
  if (existsSync(promtoolBinary()) && existsSync(prometheusBinary())) return;
  console.log('setup: installing prometheus (and promtool) with apt-get');
  // policy-rc.d-less containers: the package's post-install may try to start
  // the service; RUNLEVEL=1 keeps invoke-rc.d from doing so.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  execFileSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { stdio: 'inherit', env });
  if (!existsSync(promtoolBinary())) throw new Error(`prometheus installed, but ${promtoolBinary()} is missing`);
}
