// The real rsyslog the syslog sink tests run against: Debian's `rsyslog` and
// `rsyslog-gnutls` (for TLS), installed with apt-get when rsyslogd is missing.
// CI runs on a clean machine as root, so this step must do the install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'];

export function rsyslogBinary() {
  return process.env.RSYSLOGD_BIN ?? CANDIDATES.find((path) => existsSync(path));
}

function hasGnutlsDriver() {
  try {
    execFileSync('dpkg-query', ['-W', '-f=${Status}', 'rsyslog-gnutls'], { stdio: ['ignore', 'pipe', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

export async function setup() {
  if (process.env.RSYSLOGD_BIN) return;
  if (rsyslogBinary() && hasGnutlsDriver()) return;
  console.log('setup: installing rsyslog and rsyslog-gnutls with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'rsyslog', 'rsyslog-gnutls'], { stdio: 'inherit', env });
  if (!rsyslogBinary()) throw new Error('rsyslog installed, but rsyslogd is not in /usr/sbin');
}
