// One way the benchmarks start a real Envoy: admin on a free port, written to
// <work>/admin, resolved once the proxy says LIVE.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envoyBinary } from '../scripts/setup/envoy.mjs';

/** Starts Envoy on `config`; `timeoutMs` is generous because large configs take minutes under load. */
export async function startEnvoy(config, work, { timeoutMs = 120_000, args = [] } = {}) {
  const addressFile = join(work, 'admin');
  const child = spawn(process.env.ENVOY_BIN ?? envoyBinary(), ['-c', config, '--admin-address-path', addressFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'error', ...args], { stdio: 'ignore' });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`envoy exited with ${child.exitCode} before LIVE`);
    if (existsSync(addressFile) && readFileSync(addressFile, 'utf8').trim()) {
      const admin = `http://${readFileSync(addressFile, 'utf8').trim()}`;
      const ready = await fetch(`${admin}/ready`).then((r) => r.text()).catch(() => '');
      if (ready.trim() === 'LIVE') return { child, admin };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`envoy did not become LIVE within ${timeoutMs / 1000} s`);
}
