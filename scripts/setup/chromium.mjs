// The real headless browser the status page tests drive: Debian's `chromium`,
// installed with apt-get when /usr/bin/chromium is missing. CHROMIUM_BIN
// overrides it. apt waits for a dpkg lock held by another installer.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function chromiumBinary() {
  return process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
}

export async function setup() {
  if (existsSync(chromiumBinary())) return;
  console.log('setup: installing chromium with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  execFileSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { stdio: 'inherit', env });
  if (!existsSync(chromiumBinary())) throw new Error(`chromium installed, but ${chromiumBinary()} is missing`);
}
